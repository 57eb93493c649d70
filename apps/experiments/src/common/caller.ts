import type { RequestContext } from '@shipyard/service-kit';

/** Who is writing, as use cases need it: any transport (native HTTP, MLflow REST, RPC) can supply this. */
export type Caller = Pick<RequestContext, 'actor' | 'requestId' | 'userId'>;
