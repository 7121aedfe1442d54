// The template catalog: reads templates from a prompt source (files locally, S3 in AWS), keeps
// each validated template in memory for a while, revalidates by ETag, and keeps serving the last
// good version when a newer one is broken or the source is unreachable.
import type { z } from 'zod';
import { ServiceUnavailableError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { AnalysisType, CoachingTopic } from '../domain/vocabulary.js';
import {
  analysisTemplateSchema,
  coachingTemplateSchema,
  InvalidTemplateError,
  suggestionTemplateSchema,
  templateKeys,
  type AnalysisTemplate,
  type CoachingTemplate,
  type ModelSettings,
  type SuggestionTemplate,
} from './template.js';

/** The YAML reader, loaded with the first template read. */
const yaml = () => import('./template-yaml.js');

export interface PromptObject {
  readonly text: string;
  readonly etag?: string;
}

/** A place templates are read from. `read` answers `not-modified` when the ETag still matches. */
export interface PromptSource {
  readonly name: string;
  read(key: string, etag?: string): Promise<PromptObject | 'not-modified'>;
}

interface CacheEntry {
  readonly template: unknown;
  readonly etag?: string;
  checkedAt: number;
}

export interface TemplateCatalogOptions {
  readonly source: PromptSource;
  /** Read when the source fails and nothing is cached yet (the image's copy of prompts/). */
  readonly fallback?: PromptSource;
  readonly logger: Logger;
  readonly cacheMs: number;
  /** Model ids a template may name; a template naming another is refused. */
  readonly allowedModels?: readonly string[];
  readonly now?: () => number;
}

export class TemplateCatalog {
  private readonly cache = new Map<string, CacheEntry>();
  /** Reads in progress, so concurrent requests for an expired template share one source read. */
  private readonly loading = new Map<string, Promise<unknown>>();
  private readonly now: () => number;

  constructor(private readonly options: TemplateCatalogOptions) {
    this.now = options.now ?? Date.now;
  }

  coaching(topic: CoachingTopic): Promise<CoachingTemplate> {
    return this.load(templateKeys.coaching(topic), coachingTemplateSchema);
  }

  analysis(type: AnalysisType): Promise<AnalysisTemplate> {
    return this.load(templateKeys.analysis(type), analysisTemplateSchema);
  }

  suggestion(): Promise<SuggestionTemplate> {
    return this.load(templateKeys.suggestion('onboarding'), suggestionTemplateSchema);
  }

  /** For the health route: can the source be read right now? */
  async check(): Promise<string> {
    try {
      await this.options.source.read(templateKeys.coaching('core_values'));
      return 'healthy';
    } catch (error) {
      // The health route is public: the reason it shows names no bucket; the log has the detail.
      this.options.logger.warn({
        event: 'health_check_failed',
        dependency: 'storage',
        source: this.options.source.name,
        reason: (error as Error).message,
      });
      return 'unhealthy: prompt store not readable';
    }
  }

  private load<T extends { model: ModelSettings }>(key: string, schema: z.ZodType<T>): Promise<T> {
    const cached = this.cache.get(key);
    if (cached && this.now() - cached.checkedAt < this.options.cacheMs) {
      return Promise.resolve(cached.template as T);
    }
    const pending = this.loading.get(key);
    if (pending) return pending as Promise<T>;
    const loaded = this.refresh(key, schema, cached).finally(() => this.loading.delete(key));
    this.loading.set(key, loaded);
    return loaded;
  }

  private async refresh<T extends { model: ModelSettings }>(
    key: string,
    schema: z.ZodType<T>,
    cached: CacheEntry | undefined,
  ): Promise<T> {
    let fetched: PromptObject | 'not-modified';
    try {
      fetched = await this.options.source.read(key, cached?.etag);
    } catch (error) {
      return this.fromFallback(key, schema, cached, error as Error);
    }
    if (fetched === 'not-modified' && cached) return this.lastGood<T>(cached);
    if (fetched === 'not-modified') return this.fromFallback(key, schema, cached, new Error('no copy'));

    try {
      const template = this.accept(key, (await yaml()).parseTemplate(key, fetched.text, schema));
      this.cache.set(key, { template, etag: fetched.etag, checkedAt: this.now() });
      return template;
    } catch (error) {
      if (!(error instanceof InvalidTemplateError)) throw error;
      this.options.logger.error({
        event: 'prompt_template_rejected',
        key,
        source: this.options.source.name,
        reason: error.message,
      });
      if (cached) return this.lastGood<T>(cached);
      // A fresh instance has no last good version: the image's copy is the next best.
      return this.fromFallback(key, schema, undefined, error);
    }
  }

  /** Keeps serving the last good version, and asks the source again after the usual interval. */
  private lastGood<T>(cached: CacheEntry): T {
    cached.checkedAt = this.now();
    return cached.template as T;
  }

  private accept<T extends { model: ModelSettings }>(key: string, template: T): T {
    const modelId = template.model.model_id;
    const allowed = this.options.allowedModels;
    if (modelId && allowed && !allowed.includes(modelId)) {
      throw new InvalidTemplateError(key, `model ${modelId} is not one of the allowed models`);
    }
    return template;
  }

  private async fromFallback<T extends { model: ModelSettings }>(
    key: string,
    schema: z.ZodType<T>,
    cached: CacheEntry | undefined,
    error: Error,
  ): Promise<T> {
    this.options.logger.warn({
      event: 'prompt_store_unavailable',
      key,
      source: this.options.source.name,
      reason: error.message,
    });
    if (cached) return this.lastGood<T>(cached);
    if (this.options.fallback) {
      try {
        const copy = await this.options.fallback.read(key);
        if (copy !== 'not-modified') {
          // Not cached: the primary source is asked again on the next request.
          return this.accept(key, (await yaml()).parseTemplate(key, copy.text, schema));
        }
      } catch (fallbackError) {
        this.options.logger.error({
          event: 'prompt_fallback_unusable',
          key,
          source: this.options.fallback.name,
          reason: (fallbackError as Error).message,
        });
      }
    }
    throw new ServiceUnavailableError('prompt_store', 5, error.message);
  }
}
