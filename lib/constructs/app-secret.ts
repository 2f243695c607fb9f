import { RemovalPolicy, SecretValue } from "aws-cdk-lib";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { CredentialFields, TokenKeyFields } from "../../lambdas/contract/secrets";

/**
 * The application's two secrets, apart so each function is granted only what it uses
 * (lib/constructs/function-access.ts):
 * - `credentials`: Meta's app id, app secret and webhook verify token (and the Facebook app's, optional),
 *   filled in by the operator after deploy;
 * - `tokenKey`: the token-encryption key, generated here so it never passes through a terminal, touched by an
 *   operator only to rotate it (docs/runbook.md).
 *
 * Both are new resources (ids `Credentials`, `TokenKey`): a stack deployed before the split keeps its old
 * combined secret (`Secret`, retained, no longer used); docs/runbook.md says how to move its values over.
 */
export class AppSecret extends Construct {
  readonly credentials: Secret;
  readonly tokenKey: Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Empty placeholders, not secret material: the operator pastes the values (README: Deploy). CloudFormation
    // writes this value only when the resource is created or this template changes, so a redeploy keeps them.
    const placeholder = SecretValue.unsafePlainText("");
    this.credentials = new Secret(this, "Credentials", {
      description:
        "Meta app credentials and webhook verify token, filled in by the operator (README: Deploy)",
      removalPolicy: RemovalPolicy.RETAIN,
      secretObjectValue: {
        [CredentialFields.appId]: placeholder,
        [CredentialFields.appSecret]: placeholder,
        [CredentialFields.verifyToken]: placeholder,
      },
    });
    this.tokenKey = new Secret(this, "TokenKey", {
      description: "Token-encryption key, generated; change only to rotate (docs/runbook.md)",
      removalPolicy: RemovalPolicy.RETAIN,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ [TokenKeyFields.previousTokenEncryptionKeys]: "" }),
        generateStringKey: TokenKeyFields.tokenEncryptionKey,
        passwordLength: 64,
        excludePunctuation: true,
      },
    });
  }
}
