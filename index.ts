/**
 * The Pulumi program: reads the stack's configuration, builds one SpotifyPipeline with the
 * sql/views and sql/queries files (the same files the local run uses), and exports what a
 * user needs to find and use it. Deploy guide: README.md, "Deploy on AWS".
 */
import * as pulumi from "@pulumi/pulumi";
import { readPipelineConfig } from "./components/pipelineConfig";
import { SpotifyPipeline } from "./components/spotifyPipeline";
import { loadQueries, loadViews } from "./lib/query/sqlFiles";

const pipeline = new SpotifyPipeline("spotify", { ...readPipelineConfig(), views: loadViews(), queries: loadQueries() });

export const lakeBucket = pipeline.lake.lakeBucket.bucket;
export const athenaResultsBucket = pipeline.lake.resultsBucket.bucket;
export const glueDatabase = pipeline.catalog.database.name;
export const athenaWorkgroup = pipeline.analytics.workgroup.name;
export const crawlerNames = pipeline.catalog.crawlerNames;
export const extractFunctionName = pipeline.extractor.function.fn.name;
export const transformFunctionName = pipeline.transformer.function.fn.name;
export const viewsFunctionName = pipeline.analytics.viewsFunction.fn.name;
export const spotifySecretArn = pipeline.extractor.secret.arn;
/** The refresh token's own secret (authMode refresh_token): the extractor keeps rotated tokens there. */
export const spotifyRefreshTokenSecretArn = pipeline.extractor.refreshTokenSecret?.arn;
export const fanoutFunctionName = pipeline.extractor.fanout.fn.name;
export const alertTopicArn = pipeline.monitoring.topic.arn;
export const athenaConsoleUrl = pipeline.athenaConsoleUrl;
/** The deployed playlist ids, as written to the lake's pipeline/playlists.json (contract C3: what `npm run smoke` may extract). */
export const playlists = pulumi.output(pipeline.extractor.playlists);
