import { httpRoute } from "../middleware/http-route";
import { notImplemented } from "../middleware/responses";

/** Declared route; its issue has not been built yet, so it answers 501 honestly. */
export const handler = httpRoute(async () => notImplemented());
