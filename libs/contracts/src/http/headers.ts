/** Correlation id: taken from the caller or minted at the gateway, carried through HTTP, NATS and logs. */
export const REQUEST_ID_HEADER = 'x-request-id';
/**
 * The authenticated principal, as the gateway asserts it to the services behind it ("user:<id>",
 * "api_key:<id>"). Only the gateway may set it; it strips any value a client sends.
 */
export const ACTOR_HEADER = 'x-shipyard-actor';
/** The user behind the actor (for an API key, its owner). Set by the gateway only. */
export const USER_HEADER = 'x-shipyard-user';
/** Comma-separated effective permissions of the principal. Set by the gateway only. */
export const PERMISSIONS_HEADER = 'x-shipyard-permissions';
