// The liveness route's fast path. Load balancers and uptime checks call it far more often than
// anything else, and it touches no dependency, so it is answered before the routing, CORS and
// limiter middleware run: through the same request-id, security-header and access-log
// middleware the full stack uses, so its headers, log line and metric are the same.
import type { AppContext, AppMiddleware } from './middleware.js';

/** The liveness answer, shared by the route and its fast path. */
export function answerLive(ctx: AppContext): void {
  ctx.body = { status: 'ok' };
}

/**
 * Answers GET/HEAD `path` exactly through `edge` (the full stack's own first middleware) and
 * passes anything else on. A request with an Origin goes the full way, so CORS answers it.
 */
export function livenessFastPath(path: string, edge: readonly AppMiddleware[]): AppMiddleware {
  const answer: AppMiddleware = (ctx) => {
    ctx.state.route = path;
    // What the CORS middleware says on every response it passes.
    ctx.vary('Origin');
    answerLive(ctx);
  };
  const chain = [...edge, answer];
  const step = async (ctx: AppContext, i: number): Promise<void> => {
    const middleware = chain[i];
    if (middleware) await middleware(ctx, () => step(ctx, i + 1));
  };
  return (ctx, next) => {
    const fast =
      ctx.path === path && (ctx.method === 'GET' || ctx.method === 'HEAD') && !ctx.get('Origin');
    return fast ? step(ctx, 0) : next();
  };
}
