// Routing in steps around CORS and the per-IP limit: `match` matches the path once against the
// one router every route lives in, `guard` decides on that match (404, 405 with Allow, or 204
// with Allow for a plain OPTIONS), and `dispatch` runs the layers it found, so the path is
// matched once a request instead of once per router.
import type Router from '@koa/router';
import type { Layer } from '@koa/router';
import { MethodNotAllowedError, NotFoundError } from '../errors.js';
import type { AppContext, AppMiddleware, AppState } from './middleware.js';

type AppLayer = Layer<AppState>;

export interface Routing {
  /** Matches the path; an OPTIONS on a known path gets its Allow here, preflights included. */
  readonly match: AppMiddleware;
  /**
   * 404 for an unknown path, 405 (with Allow) for a known path and the wrong method, 204 (with
   * Allow) for OPTIONS on a known path.
   */
  readonly guard: AppMiddleware;
  /** Runs the route the guard matched (its parameters set as @koa/router would). */
  readonly dispatch: AppMiddleware;
}

/** The layer's own step: its parameters from the path, then its handlers. */
function layerChain(layer: AppLayer, path: string): AppMiddleware[] {
  const setParams: AppMiddleware = (ctx, next) => {
    const routed = ctx as AppContext & { params?: Record<string, string> };
    routed.params = layer.params(path, layer.captures(path), routed.params);
    (ctx.request as { params?: Record<string, string> }).params = routed.params;
    return next();
  };
  return [setParams, ...(layer.stack as unknown as AppMiddleware[])];
}

interface PathMatch {
  /** The layers of the route for this method, when there is one. */
  readonly layers?: readonly AppLayer[];
  /** The methods the path has (empty: no such path). */
  readonly allowed: readonly string[];
}

export function routing(router: Router<AppState>, legacyPrefix: string): Routing {
  const matched = new WeakMap<AppContext, PathMatch>();
  const dispatch: AppMiddleware = (ctx, next) => {
    const layers = matched.get(ctx)?.layers;
    if (!layers) return next();
    const path = ctx.path;
    const chain = layers.flatMap((layer) => layerChain(layer, path));
    const step = async (i: number): Promise<void> => {
      const middleware = chain[i];
      await (middleware ? middleware(ctx, () => step(i + 1)) : next());
    };
    return step(0);
  };
  return {
    match: async (ctx, next) => {
      const match = router.match(ctx.path, ctx.method);
      const routeLayer = match.pathAndMethod.find((layer) => layer.methods.length > 0);
      if (routeLayer) {
        ctx.state.route = String(routeLayer.path);
        matched.set(ctx, { layers: match.pathAndMethod, allowed: [] });
        return next();
      }
      const allowed = [...new Set(match.path.flatMap((layer) => layer.methods))];
      matched.set(ctx, { allowed });
      if (ctx.method === 'OPTIONS' && allowed.length > 0) {
        ctx.set('Allow', [...allowed, 'OPTIONS'].join(', '));
      }
      return next();
    },
    guard: async (ctx, next) => {
      if (ctx.path.startsWith(legacyPrefix)) {
        // The legacy route keeps its own body and says it is deprecated, errors included.
        ctx.state.envelope = 'legacy';
        ctx.set('Deprecation', 'true');
      }
      const { layers, allowed = [] } = matched.get(ctx) ?? {};
      if (layers) return next();
      if (ctx.method === 'OPTIONS' && allowed.length > 0) {
        ctx.status = 204;
        return;
      }
      if (allowed.length > 0) throw new MethodNotAllowedError(ctx.method, allowed);
      throw new NotFoundError(`No route for ${ctx.method} ${ctx.path}`);
    },
    // Named as @koa/router names its own, so the route table can be read off the app.
    dispatch: Object.assign(dispatch, { router }),
  };
}
