import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { EVENT_ENTITIES } from "../../lambdas/contract/events";

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined | null>;

export interface StreamEventSourceOptions {
  readonly dynamodb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly tableName: string;
  readonly batchSize: number;
  readonly handler: StreamHandler;
  readonly onError?: (message: string, error: unknown) => void;
}

/**
 * DynamoDB Local's stream → a function, shaped like Lambda's DynamoDB event source as configured in
 * lib/constructs/events.ts: records in shard order from the trim horizon, the same entity filter (records that
 * do not match are skipped as processed), partial batch responses (resume at the first reported failure) and a
 * thrown error retrying the whole batch. Bisection and the on-failure queue are not reproduced: a local batch is
 * retried until it passes.
 */
type Position =
  | { readonly type: "TRIM_HORIZON" }
  | { readonly type: "AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER"; readonly sequence: string };

export class StreamEventSource {
  /** Where each shard's next batch starts (a fresh iterator per poll: DynamoDB Local ends them at the tip). */
  private readonly positions = new Map<string, Position>();
  private streamArn: string | undefined;

  constructor(private readonly options: StreamEventSourceOptions) {}

  /** Polls every shard once; returns how many records were handed to the function (passed or not). */
  async pollOnce(): Promise<number> {
    const streamArn = await this.stream();
    const description = await this.options.streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    let handled = 0;
    for (const shard of description.StreamDescription?.Shards ?? []) {
      if (shard.ShardId) handled += await this.pollShard(streamArn, shard.ShardId);
    }
    return handled;
  }

  /**
   * Moves past every record already in the stream without handing it over: local mode with `--persist` starts
   * where the last run's writes end, rather than announcing a day of old writes (DynamoDB Local keeps 24 h) again.
   */
  async skipBacklog(maxRounds = 1_000): Promise<void> {
    const streamArn = await this.stream();
    const description = await this.options.streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of description.StreamDescription?.Shards ?? []) {
      if (!shard.ShardId) continue;
      for (let round = 0; round < maxRounds; round++) {
        if ((await this.pollShard(streamArn, shard.ShardId, false)) === 0) break;
      }
    }
  }

  /** Polls until two rounds in a row hand nothing over (every committed write so far has been handled). */
  async drain(maxRounds = 50): Promise<void> {
    for (let round = 0; round < maxRounds; round++) {
      if ((await this.pollOnce()) === 0 && (await this.pollOnce()) === 0) return;
    }
  }

  private async stream(): Promise<string> {
    if (this.streamArn) return this.streamArn;
    const table = await this.options.dynamodb.send(
      new DescribeTableCommand({ TableName: this.options.tableName }),
    );
    const arn = table.Table?.LatestStreamArn;
    if (!arn) throw new Error(`Table ${this.options.tableName} has no stream`);
    this.streamArn = arn;
    return arn;
  }

  /** One batch of one shard; with `deliver` false the records are only passed over (returns how many). */
  private async pollShard(streamArn: string, shardId: string, deliver = true): Promise<number> {
    const position = this.positions.get(shardId) ?? { type: "TRIM_HORIZON" };
    const { ShardIterator } = await this.options.streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: position.type,
        ...(position.type === "TRIM_HORIZON" ? {} : { SequenceNumber: position.sequence }),
      }),
    );
    if (!ShardIterator) return 0;
    const page = await this.options.streams.send(
      new GetRecordsCommand({ ShardIterator, Limit: this.options.batchSize }),
    );
    const records = (page.Records ?? []).map(lambdaRecord);
    const last = records.at(-1)?.dynamodb?.SequenceNumber;
    const done = () => {
      if (last) this.positions.set(shardId, { type: "AFTER_SEQUENCE_NUMBER", sequence: last });
    };
    if (!deliver) {
      done();
      return records.length;
    }
    const matching = records.filter(passesFilter);
    if (matching.length === 0) {
      done();
      return 0;
    }
    try {
      const response = await this.options.handler({ Records: matching });
      const failed = response?.batchItemFailures[0]?.itemIdentifier;
      if (failed) this.positions.set(shardId, { type: "AT_SEQUENCE_NUMBER", sequence: failed });
      else done();
    } catch (error) {
      // A crash: Lambda retries the whole batch, so every record of it is handed over again.
      this.options.onError?.("stream batch failed; retrying it", error);
      const first = records[0]?.dynamodb?.SequenceNumber;
      if (first) this.positions.set(shardId, { type: "AT_SEQUENCE_NUMBER", sequence: first });
    }
    return matching.length;
  }
}

/** The event-source filter of lib/constructs/events.ts: new or old image of one of the event entities. */
function passesFilter(record: DynamoDBRecord): boolean {
  const entities: readonly string[] = EVENT_ENTITIES;
  const entityOf = (image: Record<string, { S?: string }> | undefined) => image?.entity?.S;
  const images = [record.dynamodb?.NewImage, record.dynamodb?.OldImage] as (
    | Record<string, { S?: string }>
    | undefined
  )[];
  return images.some((image) => entities.includes(entityOf(image) ?? ""));
}

/** The SDK's stream record as Lambda hands it over (times in epoch seconds, as in the Lambda event). */
function lambdaRecord(record: StreamRecord): DynamoDBRecord {
  const stream = record.dynamodb;
  const created = stream?.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventSource: "aws:dynamodb",
    eventVersion: record.eventVersion,
    awsRegion: record.awsRegion,
    dynamodb: {
      ...(stream as DynamoDBRecord["dynamodb"]),
      ...(stream?.NewImage ? { NewImage: lambdaImage(stream.NewImage) } : {}),
      ...(stream?.OldImage ? { OldImage: lambdaImage(stream.OldImage) } : {}),
      ApproximateCreationDateTime: created instanceof Date ? created.getTime() / 1000 : Number(created ?? 0),
    },
  };
}

type Wire = Record<string, unknown>;

/**
 * The streams SDK reads an empty map attribute (`{"M":{}}` on the wire, as Lambda passes it) back as `{}`;
 * restores the wire shape, in nested maps and lists too.
 */
function lambdaImage(image: Record<string, unknown>): NonNullable<DynamoDBRecord["dynamodb"]>["NewImage"] {
  const value = (attribute: unknown): unknown => {
    const wire = attribute as Wire;
    if (Object.keys(wire).length === 0) return { M: {} };
    if (wire.M) return { M: lambdaImage(wire.M as Wire) };
    if (Array.isArray(wire.L)) return { L: wire.L.map(value) };
    return wire;
  };
  return Object.fromEntries(
    Object.entries(image).map(([name, attribute]) => [name, value(attribute)]),
  ) as never;
}
