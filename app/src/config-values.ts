// The shapes of the environment's values, for config.ts: yes-or-no, whole numbers, optional
// text, comma lists, URLs, and CORS origins written as a browser sends them (each wrong entry
// said with its fix, by cors-origins.ts). Values only: config.ts alone reads the environment.
import { z } from 'zod';
import { originProblem } from './cors-origins.js';

export const boolText = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const positiveInt = z.coerce.number({ message: 'expected a whole number' }).int().positive();

export const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

export const commaList = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

export const url = z.url({ message: 'expected a URL' });

export const originList = commaList.superRefine((origins, ctx) => {
  for (const origin of origins) {
    const problem = originProblem(origin);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }
});
