/** The caller of an app route: an app user within an organisation (`imoId`). Always explicit, never ambient. */
export interface Tenant {
  readonly userId: string;
  readonly imoId: string;
}
