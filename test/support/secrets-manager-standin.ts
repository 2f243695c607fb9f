import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A wire-level stand-in for Secrets Manager's GetSecretValue (AWS JSON 1.1 protocol), so a test can drive
 * the real SDK client. No emulator exists; this speaks only the one call the system makes. Ids in `denied`
 * answer as IAM does for a secret the role may not read (AccessDeniedException); every asked id is in `calls`.
 */
export async function startSecretsManagerStandIn(
  secrets: Record<string, string>,
  denied: readonly string[] = [],
) {
  const calls: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
    });
    request.on("end", () => {
      const target = request.headers["x-amz-target"];
      const reply = (status: number, payload: unknown) => {
        response.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
        response.end(JSON.stringify(payload));
      };
      if (target !== "secretsmanager.GetSecretValue") {
        return reply(400, { __type: "UnknownOperationException", message: `Unsupported ${String(target)}` });
      }
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      calls.push(SecretId);
      if (denied.includes(SecretId)) {
        return reply(400, {
          __type: "AccessDeniedException",
          message: `User is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SecretId}`,
        });
      }
      const value = secrets[SecretId];
      if (value === undefined) {
        return reply(400, {
          __type: "ResourceNotFoundException",
          message: "Secrets Manager can't find the specified secret.",
        });
      }
      return reply(200, {
        ARN: SecretId,
        Name: SecretId,
        SecretString: value,
        VersionId: "v1",
        CreatedDate: 1,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
