// Analyses in DynamoDB: one item per model call made for an analysis or a suggestion, holding
// its usage (model, tokens, cost estimate) and, for a completed analysis, the result itself.
// Usage per tenant is a Query on the tenant_id-created_at-index.
import { GetCommand, PutCommand, type NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import type {
  AnalysisOutcome,
  UsageRecord,
  AnalysisRepository,
} from '../analysis/analysis-records.js';
import {
  operationsOutputs,
  alignmentOutput,
  kpiOutput,
  strategyOutput,
} from '../analysis/outputs.js';
import { promptVersionJson, promptVersionOf } from '../domain/kernel.js';
import { ownWrite, queryAll, storageCall, type Dynamo } from './dynamo.js';
import { tables } from './tables.js';

type Item = Record<string, NativeAttributeValue>;

const byTenant = tables.analyses.indexes[0]?.name ?? 'tenant_id-created_at-index';

function usageItem(record: UsageRecord): Item {
  return {
    analysis_id: record.id,
    record_kind: record.kind,
    status: record.status,
    tenant_id: record.tenantId,
    user_id: record.userId,
    created_at: record.createdAt,
    subject: record.subject,
    detail: record.detail,
    model: record.usage.model,
    provider: record.usage.provider,
    input_tokens: record.usage.inputTokens,
    output_tokens: record.usage.outputTokens,
    estimated_cost_usd: record.usage.estimatedCostUsd ?? undefined,
    duration_ms: record.usage.durationMs,
  };
}

function usageRecord(i: Item): UsageRecord {
  return {
    id: String(i.analysis_id),
    kind: i.record_kind === 'suggestion' ? 'suggestion' : 'analysis',
    status: i.status === 'failed' ? 'failed' : 'completed',
    tenantId: String(i.tenant_id),
    userId: String(i.user_id),
    createdAt: String(i.created_at),
    subject: String(i.subject) as UsageRecord['subject'],
    detail: typeof i.detail === 'string' ? i.detail : undefined,
    usage: {
      model: String(i.model),
      provider: String(i.provider),
      inputTokens: Number(i.input_tokens ?? 0),
      outputTokens: Number(i.output_tokens ?? 0),
      estimatedCostUsd: typeof i.estimated_cost_usd === 'number' ? i.estimated_cost_usd : null,
      durationMs: Number(i.duration_ms ?? 0),
    },
  };
}

/** The stored result, checked again against its schema so a reader gets a typed outcome. */
function outcomeOf(subject: string, detail: string | undefined, result: unknown): AnalysisOutcome {
  switch (subject) {
    case 'alignment':
      return { type: 'alignment', output: alignmentOutput.parse(result) };
    case 'strategy':
      return { type: 'strategy', output: strategyOutput.parse(result) };
    case 'kpi':
      return { type: 'kpi', output: kpiOutput.parse(result) };
    case 'operations': {
      const schema = operationsOutputs[detail as keyof typeof operationsOutputs];
      if (!schema) throw new Error(`stored operations analysis has no known method: ${detail}`);
      return { type: 'operations', output: schema.parse(result) };
    }
    default:
      throw new Error(`stored analysis has an unknown type: ${subject}`);
  }
}

export function createAnalysisRepository(dynamo: Dynamo, table: string): AnalysisRepository {
  const { doc } = dynamo;

  /**
   * A record under a fresh id: one already there under it is this very put's, sent again after
   * its answer was lost (dynamo.ts, ownWrite), never another's.
   */
  async function put(item: Item): Promise<void> {
    const mine = (found: Item) =>
      found.user_id === item.user_id && found.created_at === item.created_at;
    const { written } = await ownWrite(
      () =>
        doc.send(
          new PutCommand({
            TableName: table,
            Item: item,
            ConditionExpression: 'attribute_not_exists(analysis_id)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      mine,
      async () =>
        (
          await storageCall(() =>
            doc.send(
              new GetCommand({
                TableName: table,
                Key: { analysis_id: item.analysis_id },
                ConsistentRead: true,
              }),
            ),
          )
        ).Item,
    );
    if (!written) throw new Error(`analysis id ${String(item.analysis_id)} is taken`);
  }

  return {
    save: (analysis) =>
      put({
        ...usageItem(analysis),
        result: analysis.outcome.output,
        prompt_version: analysis.promptVersion && promptVersionJson(analysis.promptVersion),
      }),

    recordUsage: (record) => put(usageItem(record)),

    async get(analysisId) {
      const { Item: item } = await storageCall(() =>
        doc.send(new GetCommand({ TableName: table, Key: { analysis_id: analysisId } })),
      );
      if (!item || item.record_kind !== 'analysis' || item.status !== 'completed' || !item.result) {
        return undefined;
      }
      const record = usageRecord(item);
      const promptVersion = promptVersionOf(item.prompt_version);
      return {
        ...record,
        kind: 'analysis',
        status: 'completed',
        outcome: outcomeOf(record.subject, record.detail, item.result),
        ...(promptVersion ? { promptVersion } : {}),
      };
    },

    async usage(query) {
      const range =
        query.from && query.to
          ? ' AND created_at BETWEEN :from AND :to'
          : query.from
            ? ' AND created_at >= :from'
            : query.to
              ? ' AND created_at <= :to'
              : '';
      const items = await queryAll(doc, {
        TableName: table,
        IndexName: byTenant,
        KeyConditionExpression: `tenant_id = :tenant${range}`,
        ExpressionAttributeValues: {
          ':tenant': query.tenantId,
          ...(query.from ? { ':from': query.from } : {}),
          ...(query.to ? { ':to': query.to } : {}),
        },
      });
      return items.map(usageRecord);
    },
  };
}
