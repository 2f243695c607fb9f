import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type {
  HistoryCursor,
  HistoryError,
  HistoryJob,
  HistoryJobStore,
  HistoryStatus,
} from "../../domain/history/ports";
import { conditionalUpdate, isConditionFailure } from "./conditional";
import { Keys } from "./keys";
import { allOf, UpdateBuilder, updateInput } from "./update-expression";

/** The job item's entity name (docs/data-model.md). */
export const HISTORY_JOB_ENTITY = "history_job";

const STATUSES: readonly HistoryStatus[] = ["running", "completed", "failed"];

function jobOf(item: Record<string, unknown> | undefined): HistoryJob | undefined {
  if (item?.entity !== HISTORY_JOB_ENTITY) return undefined;
  const status = STATUSES.find((s) => s === item.status);
  const cursor = item.cursor as Partial<HistoryCursor> | undefined;
  if (status === undefined || typeof item.jobId !== "string" || cursor === undefined) return undefined;
  const num = (value: unknown) => (typeof value === "number" ? value : 0);
  return {
    imoId: String(item.imoId),
    igAccountId: String(item.igAccountId),
    userId: String(item.userId),
    jobId: item.jobId,
    status,
    conversations: num(item.conversations),
    messages: num(item.messages),
    startedAt: num(item.startedAt),
    ...(typeof item.finishedAt === "number" ? { finishedAt: item.finishedAt } : {}),
    ...(typeof item.error === "string" ? { error: item.error as HistoryError } : {}),
    cursor: {
      ...(typeof cursor.after === "string" ? { after: cursor.after } : {}),
      pending: Array.isArray(cursor.pending) ? cursor.pending.filter((id) => typeof id === "string") : [],
      listed: num(cursor.listed),
      listDone: cursor.listDone === true,
    },
    seq: num(item.seq),
    enqueuedSeq: typeof item.enqueuedSeq === "number" ? item.enqueuedSeq : -1,
    since: num(item.since),
    updatedAt: num(item.updatedAt),
  };
}

/** History import jobs: one item per (organisation, account), replaced by each new import. */
export function dynamoHistoryJobStore(db: DynamoDBDocumentClient, tableName: string): HistoryJobStore {
  const key = (job: { imoId: string; igAccountId: string }) => Keys.historyJob(job.imoId, job.igAccountId);
  return {
    async get(imoId, igAccountId) {
      const result = await db.send(
        new GetCommand({
          TableName: tableName,
          Key: Keys.historyJob(imoId, igAccountId),
          ConsistentRead: true,
        }),
      );
      return jobOf(result.Item);
    },

    async start(job, staleBefore) {
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...key(job), entity: HISTORY_JOB_ENTITY, ...job },
            ConditionExpression: "attribute_not_exists(pk) OR #status <> :running OR updatedAt < :stale",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":running": "running", ":stale": staleBefore },
          }),
        );
        return "started";
      } catch (error) {
        if (isConditionFailure(error)) return "running";
        throw error;
      }
    },

    async commit(job, change) {
      const builder = new UpdateBuilder()
        .set("cursor", change.cursor)
        .add("conversations", change.conversations)
        .add("messages", change.messages)
        .set("status", change.status)
        .set("finishedAt", change.finishedAt)
        .set("error", change.error)
        .set("seq", job.seq + 1)
        .set("updatedAt", change.at);
      const condition = [
        `${builder.path("jobId")} = ${builder.value(job.jobId)}`,
        `${builder.path("seq")} = ${builder.value(job.seq)}`,
        `${builder.path("status")} = ${builder.value("running")}`,
      ].join(" AND ");
      return (await conditionalUpdate(db, tableName, updateInput(key(job), builder, condition))) === "ok";
    },

    async markEnqueued(job, seq) {
      const builder = new UpdateBuilder().set("enqueuedSeq", seq);
      const enqueued = builder.path("enqueuedSeq");
      const condition = allOf(
        `${builder.path("jobId")} = ${builder.value(job.jobId)}`,
        `attribute_not_exists(${enqueued}) OR ${enqueued} < ${builder.value(seq)}`,
      );
      await conditionalUpdate(db, tableName, updateInput(key(job), builder, condition));
    },
  };
}
