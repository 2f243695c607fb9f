/**
 * Events to the app and `verifyWebhook(headers, rawBody, secret)` (on the `standardwebhooks` package) belong
 * here. The backend does not deliver events to the app yet, so there are no event types to declare: when the
 * events contract lands, generate or declare one type per event kind in this file and export them from
 * `index.ts`.
 */
export {};
