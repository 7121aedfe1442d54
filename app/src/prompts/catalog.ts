// The template catalog: serves each template's current version from the prompt store, keeps it
// in memory for PROMPT_CACHE_SECONDS, then revalidates it by ETag. A current version the service
// cannot use never reaches a user while an earlier good one exists: that one serves, and health
// says so. Every read has a deadline, so a hung store never holds a shared read.
import { createHash } from 'node:crypto';
import {
  InvalidTemplateError,
  PromptTemplateUnusableError,
  ServiceUnavailableError,
} from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { PromptVersionRef, AnalysisType, CoachingTopic } from '../domain/kernel.js';
import { promptKeys, type PromptKey } from './prompt-keys.js';
import type { PromptObject, PromptSource } from './prompt-store.js';
import type { TemplateOf, TemplateRules } from './template-check.js';
import { templateKeys } from './template.js';

/** The validator, loaded with the first template read. */
const checker = () => import('./template-check.js');

/** A template as served: its content and the version it came from. */
export type Served<T> = T & { readonly promptVersion: PromptVersionRef };

interface CacheEntry {
  readonly template: Served<unknown>;
  /** The current version's ETag, also when an earlier version serves in its place. */
  readonly etag?: string;
  /** Set when the current version cannot be used and an earlier one serves. */
  readonly broken?: { readonly versionId: string; readonly problem: string };
  checkedAt: number;
}

export interface TemplateCatalogOptions {
  readonly source: PromptSource;
  /** Read when the store cannot be reached and nothing is cached (the image's copy of prompts/). */
  readonly fallback?: PromptSource;
  readonly logger: Logger;
  readonly cacheMs: number;
  /** How long a read of the store may take, earlier versions included. */
  readonly readTimeoutMs?: number;
  readonly rules?: TemplateRules;
  readonly now?: () => number;
}

/** How many versions back the catalog looks for a good one. */
const EARLIER_VERSIONS_TRIED = 10;

export class TemplateCatalog {
  private readonly cache = new Map<PromptKey, CacheEntry>();
  /** Reads in progress, so concurrent requests for an expired template share one store read. */
  private readonly loading = new Map<PromptKey, Promise<Served<unknown>>>();
  /** Templates whose last read failed, with the reason; cleared by the next good read. */
  private readonly unreachable = new Map<PromptKey, string>();
  /**
   * Templates with no version the service can use: the first problem, and the current version's
   * ETag, so they too are asked for again only after the usual interval, by ETag.
   */
  private readonly unusable = new Map<
    PromptKey,
    { readonly problem: string; readonly etag?: string; checkedAt: number }
  >();
  private readonly now: () => number;
  private readonly readTimeoutMs: number;

  constructor(private readonly options: TemplateCatalogOptions) {
    this.now = options.now ?? Date.now;
    this.readTimeoutMs = options.readTimeoutMs ?? 5000;
  }

  coaching(topic: CoachingTopic) {
    return this.template(templateKeys.coaching(topic));
  }

  analysis(type: AnalysisType) {
    return this.template(templateKeys.analysis(type));
  }

  suggestion() {
    return this.template('suggestions/onboarding');
  }

  template<K extends PromptKey>(key: K): Promise<Served<TemplateOf<K>>> {
    const cached = this.cache.get(key);
    if (cached && this.now() - cached.checkedAt < this.options.cacheMs) {
      return Promise.resolve(cached.template as Served<TemplateOf<K>>);
    }
    const refused = this.unusable.get(key);
    if (refused && this.now() - refused.checkedAt < this.options.cacheMs) {
      return Promise.reject(new PromptTemplateUnusableError(key, refused.problem));
    }
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.refresh(key, cached).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending as Promise<Served<TemplateOf<K>>>;
  }

  /** A new current version was written here: the next request reads it. */
  forget(key: PromptKey): void {
    this.cache.delete(key);
  }

  /**
   * For the health route: every template served or not, and the first reason it is not.
   * Its public words name no bucket; the log has the detail.
   */
  async check(): Promise<string> {
    await Promise.allSettled(promptKeys.map((key) => this.template(key)));
    const [unusableKey, refused] = [...this.unusable][0] ?? [];
    if (unusableKey) return `unhealthy: ${unusableKey}: ${refused?.problem}`;
    for (const [key, reason] of this.unreachable) {
      this.options.logger.warn({
        event: 'health_check_failed',
        dependency: 'storage',
        source: this.options.source.name,
        key,
        reason,
      });
      return 'unhealthy: prompt store not readable';
    }
    return 'healthy';
  }

  /** Templates whose current version is broken, each with the version that serves instead. */
  warnings(): string[] {
    return [...this.cache].flatMap(([key, entry]) =>
      entry.broken
        ? [
            `${key}: version ${entry.broken.versionId} cannot be used (${entry.broken.problem}); ` +
              `serving version ${entry.template.promptVersion.versionId}`,
          ]
        : [],
    );
  }

  private async refresh(key: PromptKey, cached: CacheEntry | undefined): Promise<Served<unknown>> {
    const refused = this.unusable.get(key);
    let fetched: PromptObject | 'not-modified';
    try {
      fetched = await this.withinDeadline(
        this.options.source.read(key, cached?.etag ?? refused?.etag),
      );
      this.unreachable.delete(key);
    } catch (error) {
      return this.whenUnreachable(key, cached, error as Error);
    }
    if (fetched === 'not-modified' && cached) return this.renewed(cached);
    if (fetched === 'not-modified' && refused) {
      refused.checkedAt = this.now();
      throw new PromptTemplateUnusableError(key, refused.problem);
    }
    if (fetched === 'not-modified') {
      return this.whenUnreachable(key, cached, new Error('not-modified without a cached copy'));
    }
    const { checkTemplate } = await checker();
    try {
      const template = checkTemplate(key, fetched.text, this.options.rules);
      this.unusable.delete(key);
      return this.keep(key, { template: served(key, template, fetched), etag: fetched.etag });
    } catch (error) {
      if (!(error instanceof InvalidTemplateError)) throw error;
      return this.instead(key, fetched, error, cached);
    }
  }

  /** The current version is broken: the newest earlier good version serves, if there is one. */
  private async instead(
    key: PromptKey,
    broken: PromptObject,
    error: InvalidTemplateError,
    cached: CacheEntry | undefined,
  ): Promise<Served<unknown>> {
    const versionId = versionIdOf(broken);
    const problem = error.firstProblem;
    this.options.logger.error({
      event: 'prompt_template_rejected',
      key,
      version_id: versionId,
      source: this.options.source.name,
      reason: problem,
    });
    const good = (await this.earlierGood(key).catch(() => undefined)) ?? cached?.template;
    if (!good) {
      this.unusable.set(key, { problem, etag: broken.etag, checkedAt: this.now() });
      this.cache.delete(key);
      throw new PromptTemplateUnusableError(key, problem);
    }
    this.unusable.delete(key);
    this.options.logger.warn({
      event: 'prompt_template_fallback',
      key,
      broken_version_id: versionId,
      served_version_id: good.promptVersion.versionId,
    });
    return this.keep(key, { template: good, etag: broken.etag, broken: { versionId, problem } });
  }

  private async earlierGood(key: PromptKey): Promise<Served<unknown> | undefined> {
    const earlier = this.options.source.earlier?.(key);
    if (!earlier) return undefined;
    const { checkTemplate } = await checker();
    const search = async () => {
      let tried = 0;
      for await (const version of earlier) {
        try {
          return served(key, checkTemplate(key, version.text, this.options.rules), version);
        } catch (error) {
          if (!(error instanceof InvalidTemplateError)) throw error;
        }
        if (++tried >= EARLIER_VERSIONS_TRIED) return undefined;
      }
      return undefined;
    };
    return this.withinDeadline(search());
  }

  private keep(key: PromptKey, entry: Omit<CacheEntry, 'checkedAt'>): Served<unknown> {
    this.cache.set(key, { ...entry, checkedAt: this.now() });
    return entry.template;
  }

  /** Keeps serving what is cached, and asks the store again after the usual interval. */
  private renewed(cached: CacheEntry): Served<unknown> {
    cached.checkedAt = this.now();
    return cached.template;
  }

  private async whenUnreachable(
    key: PromptKey,
    cached: CacheEntry | undefined,
    error: Error,
  ): Promise<Served<unknown>> {
    this.unreachable.set(key, error.message);
    this.options.logger.warn({
      event: 'prompt_store_unavailable',
      key,
      source: this.options.source.name,
      reason: error.message,
    });
    if (cached) return this.renewed(cached);
    const fallback = this.options.fallback;
    if (fallback) {
      try {
        const copy = await this.withinDeadline(fallback.read(key));
        if (copy !== 'not-modified') {
          const { checkTemplate } = await checker();
          // Not cached: the store is asked again on the next request.
          return served(key, checkTemplate(key, copy.text, this.options.rules), copy);
        }
      } catch (fallbackError) {
        this.options.logger.error({
          event: 'prompt_fallback_unusable',
          key,
          source: fallback.name,
          reason: (fallbackError as Error).message,
        });
      }
    }
    throw new ServiceUnavailableError('prompt_store', 5, error.message);
  }

  private withinDeadline<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${this.readTimeoutMs} ms`)),
        this.readTimeoutMs,
      );
    });
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
  }
}

/** The store's version id, or for a copy without history (the image's), one named by its content. */
function versionIdOf(object: PromptObject): string {
  return (
    object.versionId ??
    `sha256:${createHash('sha256').update(object.text).digest('hex').slice(0, 16)}`
  );
}

function served<T>(key: PromptKey, template: T, object: PromptObject): Served<T> {
  return { ...template, promptVersion: { key, versionId: versionIdOf(object) } };
}
