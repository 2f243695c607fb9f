import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { ReactionStore } from "../../domain/inbox/reactions";
import { type DynamoAccess, noteCapacity } from "./capacity";
import { updateIf } from "./conditional";
import { messageFromItem } from "./inbox-queries";
import { Keys } from "./keys";
import { allOf, UpdateBuilder } from "./update-expression";

/**
 * The business's reactions on customer messages: read the message (one strongly consistent Get), then store
 * the reaction in its `reactions` map the way inbound reactions are stored (keyed by the reacting party; an
 * older reaction never overwrites a newer one). Neither write creates a message that was erased meanwhile.
 */
export function dynamoReactionStore(access: DynamoAccess): ReactionStore {
  const { db, tableName, meter } = access;
  return {
    async message(imoId, messageId) {
      const result = await db.send(
        new GetCommand({
          TableName: tableName,
          Key: Keys.message(imoId, messageId),
          ConsistentRead: true,
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      noteCapacity(meter, result.ConsumedCapacity, "read");
      return result.Item === undefined ? undefined : messageFromItem(result.Item);
    },
    async setReaction(imoId, messageId, by, reaction) {
      const key = Keys.message(imoId, messageId);
      // A message stored before any reaction has no map yet; a path inside a missing map cannot be set.
      const init = new UpdateBuilder().setIfNotExists("reactions", {});
      await updateIf(access, key, init, `attribute_exists(${init.path("pk")})`);
      const builder = new UpdateBuilder().set(`reactions.${by}`, reaction);
      const current = builder.path(`reactions.${by}`);
      await updateIf(
        access,
        key,
        builder,
        allOf(
          `attribute_exists(${builder.path("pk")})`,
          `attribute_not_exists(${current}) OR ${current}.${builder.path("at")} < ${builder.value(reaction.at)}`,
        ),
      );
    },
  };
}
