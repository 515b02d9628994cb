/**
 * The Arrow IPC stream parquet-wasm reads (parquetFromIpc.ts), assembled from a table's column
 * buffers (arrowColumns.ts) without building apache-arrow's Table: a schema message, one record
 * batch message and the end-of-stream marker, as the Arrow columnar format's "Serialization and
 * Interprocess Communication (IPC)" section lays them out (https://arrow.apache.org/docs/format/Columnar.html#serialization-and-interprocess-communication-ipc).
 * The message headers are FlatBuffers written with the flatbuffers library and the classes Arrow
 * generates from its own Schema.fbs and Message.fbs (apache-arrow/fb/*, loaded alone: a few
 * small files, not the library). Loading and warming up apache-arrow was most of the Parquet
 * worker thread's start in a CLI run, and its start had become the run's critical path.
 *
 * Types: string → Utf8, int32 → Int(32, signed), int64 → Int(64, signed), boolean → Bool,
 * timestamp → Timestamp(MILLISECOND, "UTC"), string_list → List<Utf8 "element" not nullable>;
 * a non-nullable column is a non-nullable field. test/arrowIpc.test.ts holds the stream to the
 * one apache-arrow writes for the same data: apache-arrow reads the same values back from it, and
 * parquet-wasm writes byte-identical Parquet from the two.
 */
import { Builder } from "flatbuffers";
import { Bool } from "apache-arrow/fb/bool";
import { Buffer as BufferRegion } from "apache-arrow/fb/buffer";
import { Endianness } from "apache-arrow/fb/endianness";
import { Field } from "apache-arrow/fb/field";
import { FieldNode } from "apache-arrow/fb/field-node";
import { Int } from "apache-arrow/fb/int";
import { List } from "apache-arrow/fb/list";
import { Message } from "apache-arrow/fb/message";
import { MessageHeader } from "apache-arrow/fb/message-header";
import { MetadataVersion } from "apache-arrow/fb/metadata-version";
import { RecordBatch } from "apache-arrow/fb/record-batch";
import { Schema } from "apache-arrow/fb/schema";
import { TimeUnit } from "apache-arrow/fb/time-unit";
import { Timestamp } from "apache-arrow/fb/timestamp";
import { Type } from "apache-arrow/fb/type";
import { Utf8 } from "apache-arrow/fb/utf8";
import type { ColumnDef, ColumnType } from "../tables/schema";
import type { ColumnBuffers } from "./arrowColumns";

/** Every message and body buffer starts on an 8-byte boundary (the format requires 8; 64 is only recommended). */
const ALIGNMENT = 8;
const padded = (n: number) => (n + ALIGNMENT - 1) & ~(ALIGNMENT - 1);
/** The continuation marker before each message's metadata size, and the end of the stream (marker, size 0). */
const CONTINUATION = 0xffffffff;

/** The type of a column: its union tag and its table in the builder. */
function typeOf(b: Builder, type: ColumnType | "element"): { tag: Type; offset: number } {
  switch (type) {
    case "string":
    case "element":
      Utf8.startUtf8(b);
      return { tag: Type.Utf8, offset: Utf8.endUtf8(b) };
    case "int32":
    case "int64":
      return { tag: Type.Int, offset: Int.createInt(b, type === "int32" ? 32 : 64, true) };
    case "boolean":
      Bool.startBool(b);
      return { tag: Type.Bool, offset: Bool.endBool(b) };
    case "timestamp": {
      const timezone = b.createString("UTC");
      Timestamp.startTimestamp(b);
      Timestamp.addUnit(b, TimeUnit.MILLISECOND);
      Timestamp.addTimezone(b, timezone);
      return { tag: Type.Timestamp, offset: Timestamp.endTimestamp(b) };
    }
    case "string_list":
      List.startList(b);
      return { tag: Type.List, offset: List.endList(b) };
    default: // a column list from outside the schema's types (a worker is sent whatever it is sent)
      throw new Error(`no Arrow type for column type "${String(type)}"`);
  }
}

function fieldOf(b: Builder, name: string, type: ColumnType | "element", nullable: boolean): number {
  const children = type === "string_list" ? [fieldOf(b, "element", "element", false)] : [];
  const childrenVector = Field.createChildrenVector(b, children);
  const { tag, offset } = typeOf(b, type);
  const nameOffset = b.createString(name);
  Field.startField(b);
  Field.addName(b, nameOffset);
  Field.addNullable(b, nullable);
  Field.addTypeType(b, tag);
  Field.addType(b, offset);
  Field.addChildren(b, childrenVector);
  return Field.endField(b);
}

/** One encapsulated message: continuation, metadata size, the Message flatbuffer padded to 8 bytes. */
function messageBytes(b: Builder, headerType: MessageHeader, header: number, bodyLength: number): Uint8Array {
  Message.startMessage(b);
  Message.addVersion(b, MetadataVersion.V5);
  Message.addHeaderType(b, headerType);
  Message.addHeader(b, header);
  Message.addBodyLength(b, BigInt(bodyLength));
  Message.finishMessageBuffer(b, Message.endMessage(b));
  const metadata = b.asUint8Array();
  const out = new Uint8Array(8 + padded(metadata.length));
  const view = new DataView(out.buffer);
  view.setUint32(0, CONTINUATION, true);
  view.setInt32(4, padded(metadata.length), true);
  out.set(metadata, 8);
  return out;
}

function schemaMessage(columns: readonly ColumnDef[]): Uint8Array {
  const b = new Builder(1024);
  const fields = Schema.createFieldsVector(
    b,
    columns.map((c) => fieldOf(b, c.name, c.type, c.nullable)),
  );
  Schema.startSchema(b);
  Schema.addEndianness(b, Endianness.Little);
  Schema.addFields(b, fields);
  return messageBytes(b, MessageHeader.Schema, Schema.endSchema(b), 0);
}

/** A column's field nodes and body buffers, in the format's order: depth first, validity then offsets then values. */
function flatten(column: ColumnBuffers, nodes: { length: number; nullCount: number }[], buffers: (ArrayBufferView | undefined)[]): void {
  nodes.push({ length: column.length, nullCount: column.nullCount });
  buffers.push(column.nullBitmap);
  if (column.valueOffsets) buffers.push(column.valueOffsets);
  if (column.child) return flatten(column.child, nodes, buffers);
  buffers.push(column.data);
}

/** The Arrow IPC stream of a table of `length` rows given as its column buffers (arrowColumns.ts), in `columns` order. */
export function arrowIpcStream(columns: readonly ColumnDef[], length: number, columnBuffers: readonly ColumnBuffers[]): Uint8Array {
  const nodes: { length: number; nullCount: number }[] = [];
  const buffers: (ArrayBufferView | undefined)[] = [];
  for (const column of columnBuffers) flatten(column, nodes, buffers);

  const regions: { offset: number; length: number }[] = [];
  let bodyLength = 0;
  for (const buffer of buffers) {
    const size = buffer?.byteLength ?? 0;
    regions.push({ offset: bodyLength, length: size });
    bodyLength += padded(size);
  }

  const b = new Builder(1024);
  // Vectors of structs are written last element first (FlatBuffers builds back to front).
  RecordBatch.startNodesVector(b, nodes.length);
  for (let i = nodes.length - 1; i >= 0; i--) FieldNode.createFieldNode(b, BigInt(nodes[i].length), BigInt(nodes[i].nullCount));
  const nodesVector = b.endVector();
  RecordBatch.startBuffersVector(b, regions.length);
  for (let i = regions.length - 1; i >= 0; i--) BufferRegion.createBuffer(b, BigInt(regions[i].offset), BigInt(regions[i].length));
  const buffersVector = b.endVector();
  RecordBatch.startRecordBatch(b);
  RecordBatch.addLength(b, BigInt(length));
  RecordBatch.addNodes(b, nodesVector);
  RecordBatch.addBuffers(b, buffersVector);
  const batch = messageBytes(b, MessageHeader.RecordBatch, RecordBatch.endRecordBatch(b), bodyLength);

  const schema = schemaMessage(columns);
  const out = new Uint8Array(schema.length + batch.length + bodyLength + 8);
  out.set(schema, 0);
  out.set(batch, schema.length);
  const bodyStart = schema.length + batch.length;
  buffers.forEach((buffer, i) => {
    if (buffer) out.set(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), bodyStart + regions[i].offset);
  });
  // The padding is zeros already (a new Uint8Array); then the end-of-stream marker.
  new DataView(out.buffer).setUint32(bodyStart + bodyLength, CONTINUATION, true);
  return out;
}
