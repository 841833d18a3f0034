// The stages a request passes through on its way to a route. Each filter takes the handler of
// the next stage and returns the handler of its own, adding what it learned (who is asking,
// what about, that they may), so a route cannot be reached with a stage skipped: the types
// only line up in the order server.ts composes them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Upgrade } from '../../../http/upgrade-response.js';
import type { Attributes, UserInfo } from '../../auth/types.js';
import type { RequestInfo } from '../request-info.js';

export interface Incoming {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Set for an HTTP Upgrade request (exec, attach, port-forward): the connection to take over. */
  upgrade?: Upgrade;
}

/** After authentication (and impersonation): who the request acts as. */
export interface Authenticated extends Incoming {
  user: UserInfo;
}

/** After request info: what the request is about. */
export interface Described extends Authenticated {
  info: RequestInfo;
}

/** After authorization: the attributes the authorizer allowed. */
export interface Authorized extends Described {
  attrs: Attributes;
}

/** Answers the request or rejects with an ApiError (written as a Status at the edge). */
export type Handler<R extends Incoming> = (r: R) => Promise<void>;
