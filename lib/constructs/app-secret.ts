import { RemovalPolicy } from "aws-cdk-lib";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { SecretFields } from "../../lambdas/contract/secrets";

/**
 * The application secret: Meta's app id, app secret and webhook verify token (filled in by the operator
 * after deploy) and a token-encryption key generated here, so it never passes through a terminal.
 */
export class AppSecret extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new Secret(this, "Secret", {
      description: "Instagram app credentials and the token-encryption key (see README: Deploy)",
      removalPolicy: RemovalPolicy.RETAIN,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({
          [SecretFields.appId]: "",
          [SecretFields.appSecret]: "",
          [SecretFields.verifyToken]: "",
        }),
        generateStringKey: SecretFields.tokenEncryptionKey,
        passwordLength: 64,
        excludePunctuation: true,
      },
    });
  }
}
