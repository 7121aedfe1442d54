// The prompt templates' admin handlers (admin-routes.ts names the routes, all platform_admin):
// list, read a version, page the history, publish from the version named by If-Match, roll
// back, preview. Loaded with the admin module's other handlers. A key is the path's two
// segments, `{kind}/{name}`.
import type { z } from 'zod';
import type { Preview } from '../previews/preview-template.js';
import type { PromptVersion } from '../prompts/prompt-store.js';
import type { AdminHandler } from './admin-routes.js';
import { principalOf, type AppContext } from './middleware.js';
import { previewRequest } from './preview-input.js';
import {
  previewBody,
  promptReadQuery,
  publishBody,
  rollbackBody,
  versionsQuery,
  type previewResponse,
  type promptListResponse,
  type promptVersionResponse,
  type versionListResponse,
} from './prompt-admin-schemas.js';
import { validate } from './routing.js';

const keyOf = (ctx: AppContext) => `${ctx.params.kind ?? ''}/${ctx.params.name ?? ''}`;

/**
 * The version an If-Match header names. An entity tag is `"<version_id>"`; the quotes may be
 * left out, and a weak tag (`W/"…"`) names the same version, since versions compare exactly.
 * `*`, a list of tags or an empty header name no single version: read as no header (428).
 */
export function ifMatchVersion(header: string | undefined): string | undefined {
  const tag = header?.trim() ?? '';
  const quoted = /^(?:W\/)?"([^"]+)"$/.exec(tag);
  if (quoted) return quoted[1];
  if (tag === '' || tag === '*' || /[",\s]/.test(tag)) return undefined;
  return tag;
}

/** Who edits which template, from which version. */
const editOf = (ctx: AppContext) => ({
  key: keyOf(ctx),
  ifMatch: ifMatchVersion(ctx.headers['if-match'] === undefined ? undefined : ctx.get('If-Match')),
  updatedBy: principalOf(ctx).userId,
});

const versionView = (version: PromptVersion): z.infer<typeof promptVersionResponse> => ({
  key: version.key,
  version_id: version.versionId,
  updated_at: version.updatedAt,
  updated_by: version.updatedBy,
  note: version.note,
  is_current: version.isCurrent,
  content: version.content,
});

/** The version a change made: its body, with its id as the ETag the next edit sends back. */
function answerVersion(ctx: AppContext, version: PromptVersion) {
  ctx.set('ETag', `"${version.versionId}"`);
  ctx.body = versionView(version);
}

const previewView = (preview: Preview): z.infer<typeof previewResponse> => {
  const { answer } = preview;
  return {
    key: preview.key,
    version_id: preview.versionId,
    system_prompt: preview.systemPrompt,
    answer:
      answer.kind === 'coaching'
        ? { initial_message: answer.initialMessage, turn: answer.turn }
        : answer.output,
    usage: {
      model: preview.model,
      input_tokens: preview.usage.inputTokens,
      output_tokens: preview.usage.outputTokens,
      cache_read_tokens: preview.usage.cacheReadTokens ?? 0,
      cache_write_tokens: preview.usage.cacheWriteTokens ?? 0,
      cost_usd: preview.costUsd,
    },
  };
};

export const promptAdminHandlers = {
  async listPrompts(ctx, { promptAdmin }) {
    const prompts = await (await promptAdmin()).list();
    const body: z.infer<typeof promptListResponse> = {
      prompts: prompts.map((p) => ({
        key: p.key,
        version_id: p.versionId,
        updated_at: p.updatedAt,
        updated_by: p.updatedBy,
      })),
    };
    ctx.body = body;
  },

  async getPrompt(ctx, { promptAdmin }, target) {
    const key = keyOf(ctx);
    const query = validate('query', promptReadQuery, ctx.query);
    target({ key, ...(query.version_id ? { version_id: query.version_id } : {}) });
    const version = await (await promptAdmin()).read(key, query.version_id);
    ctx.set('ETag', `"${version.versionId}"`);
    ctx.body = versionView(version);
  },

  async listPromptVersions(ctx, { promptAdmin }, target) {
    const key = keyOf(ctx);
    target({ key });
    const query = validate('query', versionsQuery, ctx.query);
    const page = await (
      await promptAdmin()
    ).versions(key, { cursor: query.cursor, pageSize: query.page_size });
    const body: z.infer<typeof versionListResponse> = {
      versions: page.versions.map((v) => ({
        version_id: v.versionId,
        updated_at: v.updatedAt,
        updated_by: v.updatedBy,
        note: v.note,
        is_current: v.isCurrent,
        size: v.size,
      })),
      next_cursor: page.nextCursor,
    };
    ctx.body = body;
  },

  async publishPrompt(ctx, { promptAdmin }, target) {
    const edit = editOf(ctx);
    target({ key: edit.key, ...(edit.ifMatch ? { if_match: edit.ifMatch } : {}) });
    const { content, note } = validate('body', publishBody, ctx.request.body);
    const admin = await promptAdmin();
    answerVersion(ctx, await admin.publish(edit.key, { ...edit, content, note }));
  },

  async rollbackPrompt(ctx, { promptAdmin }, target) {
    const edit = editOf(ctx);
    const { version_id, note } = validate('body', rollbackBody, ctx.request.body);
    target({ key: edit.key, version_id });
    const admin = await promptAdmin();
    answerVersion(ctx, await admin.rollback(edit.key, { ...edit, versionId: version_id, note }));
  },

  async previewPrompt(ctx, { promptPreview }, target) {
    const key = keyOf(ctx);
    const body = validate('body', previewBody, ctx.request.body);
    target({ key, ...(body.version_id ? { version_id: body.version_id } : {}) });
    const request = previewRequest(key, body);
    const preview = await (await promptPreview())(principalOf(ctx), request);
    ctx.body = previewView(preview);
  },
} satisfies Readonly<Record<string, AdminHandler>>;
