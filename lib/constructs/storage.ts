import { RemovalPolicy } from "aws-cdk-lib";
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from "aws-cdk-lib/aws-dynamodb";
import { Key } from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";
import { MainTable, WindowIndex } from "../../lambdas/contract/table";

/**
 * The single DynamoDB table (declared in lambdas/contract/table.ts), encrypted with a customer-managed key,
 * with point-in-time recovery and TTL, retained when the stack is deleted.
 */
export class Storage extends Construct {
  readonly table: Table;
  readonly key: Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new Key(this, "TableKey", {
      description: "Encrypts the Instagram DM table",
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const string = (name: string) => ({ name, type: AttributeType.STRING });
    // Table (not TableV2): TableV2 cannot render a customer-managed key in a region-agnostic stack.
    this.table = new Table(this, "Table", {
      partitionKey: string(MainTable.partitionKey),
      sortKey: string(MainTable.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: MainTable.ttlAttribute,
      // Events out (docs/events.md) are derived from committed writes: both images, to see what changed.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of MainTable.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: string(index.partitionKey),
        sortKey: string(index.sortKey),
      });
    }
    // Sparse, keys only: conversations waiting for an answer, by window end (docs/events.md, window_closing).
    this.table.addGlobalSecondaryIndex({
      indexName: WindowIndex.name,
      partitionKey: string(WindowIndex.partitionKey),
      sortKey: string(WindowIndex.sortKey),
      projectionType: ProjectionType.KEYS_ONLY,
    });
  }
}
