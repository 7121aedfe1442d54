// The docs routes: the OpenAPI document, Swagger UI and Redoc. Both pages and every asset they
// load come from this service (no CDN, no web fonts), so they work with no internet access.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Router from '@koa/router';
import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import { publicPath, type AppContext, type AppState, DOCS_CSP } from './middleware.js';
import type { DocsContribution } from './openapi.js';
import { constrainParams, oneOfPattern } from './path-ids.js';
import { describeRoutes, mount, route } from './routing.js';

interface DocsAsset {
  /** The file in its npm package. */
  readonly packagePath: string;
  readonly contentType: string;
  /** Applied to the file's text before it is served. */
  readonly patch?: (text: string) => string;
}

const REDOC_CDN_LOGO = '"https://cdn.redoc.ly/redoc/logo-mini.svg"';

/** Redoc 2's footer logo is the bundle's one outside request; an empty src hides it. */
function withoutRedocCdnLogo(text: string): string {
  return text.split(REDOC_CDN_LOGO).join('""');
}

const js = 'text/javascript; charset=utf-8';

export const docsAssets: Readonly<Record<string, DocsAsset>> = {
  'swagger-ui.css': {
    packagePath: 'swagger-ui-dist/swagger-ui.css',
    contentType: 'text/css; charset=utf-8',
  },
  'swagger-ui-bundle.js': { packagePath: 'swagger-ui-dist/swagger-ui-bundle.js', contentType: js },
  'redoc.standalone.js': {
    packagePath: 'redoc/bundles/redoc.standalone.js',
    contentType: js,
    patch: withoutRedocCdnLogo,
  },
};

/** The folder the Lambda bundle keeps its copies in (see scripts/build.ts). */
export const BUNDLED_ASSETS_DIR = 'docs-assets';

/** Where an asset is read from: beside the bundle when built, else from node_modules. */
export function docsAssetFile(name: string, asset: DocsAsset): string {
  const bundled = path.join(__dirname, BUNDLED_ASSETS_DIR, name);
  return existsSync(bundled) ? bundled : require.resolve(asset.packagePath);
}

/** Our own Swagger UI start-up, as a file: the page's CSP allows no inline script. */
const SWAGGER_INIT = `window.addEventListener('load', function () {
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: root.getAttribute('data-spec-url'),
    domNode: root,
    validatorUrl: null,
    deepLinking: true,
    // The token typed into Authorize survives a reload (kept in this browser's localStorage).
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

const escapeAttribute = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function page(title: string, head: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
${head}
</head>
<body>
${body}
</body>
</html>
`;
}

function swaggerPage(ctx: AppContext): string {
  const at = (p: string) => escapeAttribute(publicPath(ctx, p));
  return page(
    'PurposePath AI Coaching API – Swagger UI',
    `<link rel="stylesheet" href="${at('/docs/assets/swagger-ui.css')}">`,
    [
      `<div id="swagger-ui" data-spec-url="${at('/openapi.json')}"></div>`,
      `<script src="${at('/docs/assets/swagger-ui-bundle.js')}"></script>`,
      `<script src="${at('/docs/assets/swagger-init.js')}"></script>`,
    ].join('\n'),
  );
}

function redocPage(ctx: AppContext): string {
  const at = (p: string) => escapeAttribute(publicPath(ctx, p));
  return page(
    'PurposePath AI Coaching API – Redoc',
    '<style>body { margin: 0; padding: 0; }</style>',
    [
      `<redoc spec-url="${at('/openapi.json')}"></redoc>`,
      `<script src="${at('/redoc/assets/redoc.standalone.js')}"></script>`,
    ].join('\n'),
  );
}

/** The files each page's asset route serves, as the routes above decide them. */
const pageAssets = {
  docs: {
    files: [
      ...Object.keys(docsAssets).filter((f) => f.startsWith('swagger-ui')),
      'swagger-init.js',
    ],
    operationId: 'getSwaggerUiAsset',
  },
  redoc: {
    files: Object.keys(docsAssets).filter((f) => f.startsWith('redoc')),
    operationId: 'getRedocAsset',
  },
} as const;

const text = z.string();
const mediaTypeOf = (contentType: string) => contentType.split(';')[0]?.trim() ?? contentType;

const documentRoute = route({
  method: 'get',
  path: '/openapi.json',
  atRoot: true,
  describe: () => ({
    operationId: 'getOpenApiDocument',
    tag: 'docs',
    summary: 'This OpenAPI 3.1 document',
    description: '`servers` carries the stage or mapping key the request came through.',
    auth: false,
    limited: false,
    responses: {
      200: { description: 'The document', schema: z.record(z.string(), z.unknown()) },
    },
  }),
});

/** A page that renders the document with one of the two readers. */
const pageRoute = (path: '/docs' | '/redoc', operationId: string, reader: string) =>
  route({
    method: 'get',
    path,
    atRoot: true,
    describe: () => ({
      operationId,
      tag: 'docs',
      summary: `${reader}, served entirely by this service`,
      description: `An HTML page that renders this document with ${reader}; every script and stylesheet it loads comes from this service, so it works with no internet access.`,
      auth: false,
      limited: false,
      responses: { 200: { description: 'HTML page', schema: text, mediaTypes: ['text/html'] } },
    }),
  });

const swaggerRoute = pageRoute('/docs', 'getSwaggerUi', 'Swagger UI');
const redocRoute = pageRoute('/redoc', 'getRedoc', 'Redoc');

/** A page's scripts and stylesheets: only its own files are routes. */
const assetRoute = (page: keyof typeof pageAssets) => {
  const { files, operationId } = pageAssets[page];
  const types = new Set(files.map((f) => mediaTypeOf(docsAssets[f]?.contentType ?? js)));
  return route({
    method: 'get',
    path: `/${page}/assets/:file`,
    atRoot: true,
    describe: () => ({
      operationId,
      tag: 'docs',
      summary: `A script or stylesheet of the ${page} page`,
      description: `One of ${files.join(', ')}; stylesheets are \`text/css\`, scripts \`text/javascript\`. Cached for a day.`,
      auth: false,
      limited: false,
      params: { file: z.enum(files as [string, ...string[]]).describe('The asset’s file name') },
      responses: {
        200: { description: 'The asset', schema: text, mediaTypes: [...types] },
      },
      errors: { 404: ['not_found'] },
    }),
  });
};

const swaggerAssetRoute = assetRoute('docs');
const redocAssetRoute = assetRoute('redoc');

export const docsContribution = describeRoutes([
  documentRoute,
  swaggerRoute,
  redocRoute,
  swaggerAssetRoute,
  redocAssetRoute,
]);

export interface DocsRoutesOptions {
  readonly prefix: string;
  /** Every route module's part of the document. */
  readonly contributions: readonly DocsContribution[];
  /** Parts of route modules that load on first use, loaded with the document. */
  readonly lazyContributions?: readonly (() => Promise<DocsContribution>)[];
}

export function docsRoutes(options: DocsRoutesOptions): Router<AppState> {
  const router = new Router<AppState>();
  const on = { router, prefix: options.prefix };
  let openApi: Promise<{ document(basePath: string): Record<string, unknown> }> | undefined;
  const assetText = new Map<string, Promise<string>>();

  // The generator loads on the first request for the document, not at cold start.
  const loadOpenApi = async () => {
    const [{ buildOpenApi }, ...lazy] = await Promise.all([
      import('./openapi.js'),
      ...(options.lazyContributions ?? []).map((load) => load()),
    ]);
    return buildOpenApi(options.prefix, [...options.contributions, ...lazy, docsContribution]);
  };

  mount(on, documentRoute, [], async (ctx) => {
    openApi ??= loadOpenApi();
    ctx.body = (await openApi).document(ctx.state.basePath);
  });

  const html = (render: (ctx: AppContext) => string) => (ctx: AppContext) => {
    ctx.set('Content-Security-Policy', DOCS_CSP);
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = render(ctx);
  };
  mount(on, swaggerRoute, [], html(swaggerPage));
  mount(on, redocRoute, [], html(redocPage));

  const serveAsset = async (ctx: AppContext, name: string) => {
    const asset = docsAssets[name];
    if (!asset) throw new NotFoundError(`No docs asset ${name}`);
    let text = assetText.get(name);
    if (!text) {
      text = readFile(docsAssetFile(name, asset), 'utf8').then((t) => asset.patch?.(t) ?? t);
      assetText.set(name, text);
    }
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.type = asset.contentType;
    ctx.body = await text;
  };
  mount(on, swaggerAssetRoute, [], async (ctx) => {
    const file = ctx.params.file ?? '';
    if (file === 'swagger-init.js') {
      ctx.set('Cache-Control', 'public, max-age=86400');
      ctx.type = js;
      ctx.body = SWAGGER_INIT;
      return;
    }
    if (!file.startsWith('swagger-ui')) throw new NotFoundError(`No docs asset ${file}`);
    await serveAsset(ctx, file);
  });
  mount(on, redocAssetRoute, [], async (ctx) => {
    const file = ctx.params.file ?? '';
    if (!file.startsWith('redoc')) throw new NotFoundError(`No docs asset ${file}`);
    await serveAsset(ctx, file);
  });
  // Only the pages' own files are routes: any other name is 404, whatever the method.
  return constrainParams(router, (param, routePath) => {
    const page = routePath.startsWith('/redoc') ? pageAssets.redoc : pageAssets.docs;
    return param === 'file' ? oneOfPattern(page.files) : undefined;
  });
}
