import { logger } from "../middleware/logger";

/** Not built yet: the schedule fires and nothing is refreshed. */
export const handler = async (): Promise<void> => {
  logger.warn("token refresh not implemented");
};
