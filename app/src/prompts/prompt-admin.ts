// What a platform admin does with the prompt templates (the routes under /api/v1/admin/prompts
// call these): list them, read any version, page through the history, publish a new version
// from the one the edit started from, and roll back to an earlier one. Every change is checked
// as the service reads a template, and nothing is written when a check fails.
import {
  InvalidTemplateError,
  PreconditionFailedError,
  PreconditionRequiredError,
  PromptNotFoundError,
  ValidationError,
  VersionNotFoundError,
} from '../errors.js';
import { isPromptKey, type PromptKey } from './prompt-keys.js';
import type { PromptHistory, PromptVersion, PromptVersionInfo, VersionPage } from './prompt-store.js';
import { checkTemplate, wellFormed, type TemplateOf, type TemplateRules } from './template-check.js';
import { metadataFits } from './version-metadata.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
export const MAX_NOTE_LENGTH = 500;

/** Version ids as S3 and the local store write them: printable ASCII, at most 1024 bytes. */
const VERSION_ID = /^[\x21-\x7e]{1,1024}$/;

export interface PromptAdminDeps {
  readonly history: PromptHistory;
  readonly rules: TemplateRules;
  /** Told of each new current version, so this instance serves it at once. */
  readonly changed?: (key: PromptKey) => void;
}

export interface PublishInput {
  readonly content: string;
  readonly note?: string;
  /** The version the edit started from (the If-Match header's); required. */
  readonly ifMatch?: string;
  readonly updatedBy: string;
}

/** A template ready to render, and the version it is (null: content not saved as one). */
export interface CheckedTemplate {
  readonly key: PromptKey;
  readonly versionId: string | null;
  readonly template: TemplateOf<PromptKey>;
}

export interface RollbackInput {
  readonly versionId: string;
  readonly note?: string;
  /** When given, the rollback happens only while this version is current. */
  readonly ifMatch?: string;
  readonly updatedBy: string;
}

export function createPromptAdmin(deps: PromptAdminDeps) {
  const { history } = deps;

  function promptKey(raw: string): PromptKey {
    if (!isPromptKey(raw)) throw new PromptNotFoundError(raw);
    return raw;
  }

  function versionId(key: PromptKey, raw: string): string {
    if (!VERSION_ID.test(raw)) throw new VersionNotFoundError(key, raw);
    return raw;
  }

  /** The version an edit starts from; one no store could have written is not the current one. */
  async function startedFrom(key: PromptKey, raw: string): Promise<string> {
    if (VERSION_ID.test(raw)) return raw;
    throw new PreconditionFailedError(key, (await history.get(key)).versionId);
  }

  /** The note to store with a version: refused when S3 could not keep it (version-metadata.ts). */
  function note(updatedBy: string, raw: string | undefined): string | null {
    const refuse = (msg: string): never => {
      throw new ValidationError([{ loc: ['body', 'note'], msg, type: 'value_error' }]);
    };
    if (raw !== undefined && raw.length > MAX_NOTE_LENGTH) {
      refuse(`at most ${MAX_NOTE_LENGTH} characters`);
    }
    if (raw !== undefined && !wellFormed(raw)) refuse('not well-formed Unicode');
    if (!metadataFits(updatedBy, raw ?? null)) refuse('too long to be stored with the version');
    return raw === undefined || raw === '' ? null : raw;
  }

  /** A stored version, checked as the service reads it; a refusal names the version. */
  function usable(version: PromptVersion): TemplateOf<PromptKey> {
    try {
      return checkTemplate(version.key, version.content, deps.rules);
    } catch (error) {
      if (!(error instanceof InvalidTemplateError)) throw error;
      throw new InvalidTemplateError(
        version.key,
        error.issues.map((issue) => ({ ...issue, msg: `version ${version.versionId}: ${issue.msg}` })),
      );
    }
  }

  function announce(version: PromptVersion): PromptVersion {
    deps.changed?.(version.key);
    return version;
  }

  return {
    list: (): Promise<PromptVersionInfo[]> => history.list(),

    async read(rawKey: string, rawVersionId?: string): Promise<PromptVersion> {
      const key = promptKey(rawKey);
      return history.get(key, rawVersionId === undefined ? undefined : versionId(key, rawVersionId));
    },

    async versions(
      rawKey: string,
      page: { readonly cursor?: string; readonly pageSize?: number } = {},
    ): Promise<VersionPage> {
      const key = promptKey(rawKey);
      const pageSize = page.pageSize ?? DEFAULT_PAGE_SIZE;
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
        throw new ValidationError([
          {
            loc: ['query', 'page_size'],
            msg: `a whole number from 1 to ${MAX_PAGE_SIZE}`,
            type: 'value_error',
          },
        ]);
      }
      return history.versions(key, { cursor: page.cursor, pageSize });
    },

    async publish(rawKey: string, input: PublishInput): Promise<PromptVersion> {
      const key = promptKey(rawKey);
      if (input.ifMatch === undefined) throw new PreconditionRequiredError(key);
      const ifMatch = await startedFrom(key, input.ifMatch);
      const change = { ifMatch, updatedBy: input.updatedBy, note: note(input.updatedBy, input.note) };
      checkTemplate(key, input.content, deps.rules);
      return announce(await history.publish(key, input.content, change));
    },

    async rollback(rawKey: string, input: RollbackInput): Promise<PromptVersion> {
      const key = promptKey(rawKey);
      const target = await history.get(key, versionId(key, input.versionId));
      usable(target);
      const defaultNote = `rollback to ${target.versionId}`;
      const change = {
        ifMatch: input.ifMatch === undefined ? undefined : await startedFrom(key, input.ifMatch),
        updatedBy: input.updatedBy,
        note:
          input.note !== undefined
            ? note(input.updatedBy, input.note)
            : metadataFits(input.updatedBy, defaultNote)
              ? defaultNote
              : 'rollback',
      };
      return announce(await history.rollback(key, target.versionId, change));
    },

    /**
     * The template a preview renders, checked as the service reads it: unsaved content, a stored
     * version, or by default the current one. Nothing is written.
     */
    async template(
      rawKey: string,
      from: { readonly content?: string; readonly versionId?: string } = {},
    ): Promise<CheckedTemplate> {
      const key = promptKey(rawKey);
      if (from.content !== undefined) {
        return { key, versionId: null, template: checkTemplate(key, from.content, deps.rules) };
      }
      const id = from.versionId === undefined ? undefined : versionId(key, from.versionId);
      const version = await history.get(key, id);
      return { key, versionId: version.versionId, template: usable(version) };
    },
  };
}

export type PromptAdmin = ReturnType<typeof createPromptAdmin>;
