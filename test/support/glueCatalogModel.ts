/**
 * An in-memory stand-in for the part of the Glue Data Catalog the pipeline calls, wired into
 * aws-sdk-client-mock. It follows the Glue API reference:
 * - BatchCreatePartition ("Creates one or more partitions in a batch operation"): at most 100
 *   PartitionInputs per call (else InvalidInputException); the table must exist (else
 *   EntityNotFoundException); a partition that exists is not replaced but reported in the
 *   response's Errors with ErrorDetail.ErrorCode "AlreadyExistsException"; the others are created.
 * - GetPartitions: the table's partitions (what Athena sees when it plans a query).
 * - BatchUpdatePartition ("Updates one or more partitions in a batch operation"): at most 100
 *   Entries (BatchUpdatePartitionRequestEntry: PartitionValueList, PartitionInput) per call; the
 *   table must exist; each named partition is replaced by its PartitionInput, and one that does
 *   not exist comes back in Errors (BatchUpdatePartitionFailureEntry) with ErrorCode
 *   "EntityNotFoundException", the error UpdatePartition throws for it.
 */
import {
  BatchCreatePartitionCommand,
  BatchUpdatePartitionCommand,
  EntityNotFoundException,
  GetPartitionsCommand,
  InvalidInputException,
  type BatchUpdatePartitionRequestEntry,
  type PartitionInput,
} from "@aws-sdk/client-glue";
import { mockClient } from "aws-sdk-client-mock";
import { GlueClient as GlueClientClass } from "@aws-sdk/client-glue";

const mockGlue = () => mockClient(GlueClientClass);
type GlueMock = ReturnType<typeof mockGlue>;

export class GlueCatalogModel {
  /** "<database>.<table>" -> partition value -> its input. */
  readonly partitions = new Map<string, Map<string, PartitionInput>>();
  /** Calls answered, for assertions. */
  readonly calls: { table: string; values: string[] }[] = [];

  constructor(database: string, tables: string[]) {
    for (const t of tables) this.partitions.set(`${database}.${t}`, new Map());
  }

  batchCreatePartition(input: { DatabaseName?: string; TableName?: string; PartitionInputList?: PartitionInput[] }) {
    const key = `${input.DatabaseName}.${input.TableName}`;
    const list = input.PartitionInputList ?? [];
    if (list.length > 100) throw new InvalidInputException({ message: "1 validation error detected: PartitionInputList must have length less than or equal to 100", $metadata: {} });
    const table = this.partitions.get(key);
    if (!table) throw new EntityNotFoundException({ message: `Table ${input.TableName} not found.`, $metadata: {} });
    this.calls.push({ table: key, values: list.map((p) => (p.Values ?? []).join("/")) });
    const Errors = [];
    for (const p of list) {
      const value = (p.Values ?? []).join("/");
      if (table.has(value)) Errors.push({ PartitionValues: p.Values, ErrorDetail: { ErrorCode: "AlreadyExistsException", ErrorMessage: "Partition already exists." } });
      else table.set(value, p);
    }
    return { Errors };
  }

  batchUpdatePartition(input: { DatabaseName?: string; TableName?: string; Entries?: BatchUpdatePartitionRequestEntry[] }) {
    const key = `${input.DatabaseName}.${input.TableName}`;
    const entries = input.Entries ?? [];
    if (entries.length > 100) throw new InvalidInputException({ message: "1 validation error detected: Entries must have length less than or equal to 100", $metadata: {} });
    const table = this.partitions.get(key);
    if (!table) throw new EntityNotFoundException({ message: `Table ${input.TableName} not found.`, $metadata: {} });
    this.calls.push({ table: key, values: entries.map((e) => (e.PartitionValueList ?? []).join("/")) });
    const Errors = [];
    for (const e of entries) {
      const value = (e.PartitionValueList ?? []).join("/");
      if (!table.has(value)) Errors.push({ PartitionValueList: e.PartitionValueList, ErrorDetail: { ErrorCode: "EntityNotFoundException", ErrorMessage: "Partition not found." } });
      else table.set(value, e.PartitionInput!);
    }
    return { Errors };
  }

  getPartitions(input: { DatabaseName?: string; TableName?: string }) {
    const table = this.partitions.get(`${input.DatabaseName}.${input.TableName}`);
    if (!table) throw new EntityNotFoundException({ message: `Table ${input.TableName} not found.`, $metadata: {} });
    return { Partitions: [...table.values()].map((p) => ({ DatabaseName: input.DatabaseName, TableName: input.TableName, Values: p.Values, StorageDescriptor: p.StorageDescriptor })) };
  }

  /** Routes the mocked client's commands to this model. */
  attach(glue: GlueMock): void {
    glue.on(BatchCreatePartitionCommand).callsFake((input) => this.batchCreatePartition(input));
    glue.on(GetPartitionsCommand).callsFake((input) => this.getPartitions(input));
    glue.on(BatchUpdatePartitionCommand).callsFake((input) => this.batchUpdatePartition(input));
  }
}
