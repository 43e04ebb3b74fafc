import { z } from 'zod';

/**
 * Every queue and its job payload schema, in one place. Producers validate
 * before adding; processors validate again and reject invalid jobs as
 * unrecoverable so they are never retried.
 */
export const QUEUES = {
  audit: 'audit',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const auditJobSchema = z.strictObject({
  id: z.string().min(1).max(128),
  actor: z.strictObject({ id: z.string().max(128).nullable(), role: z.string().min(1).max(32) }),
  action: z.string().min(3).max(100),
  resource: z.strictObject({ type: z.string().min(1).max(64), id: z.string().max(128).nullable().optional() }),
  outcome: z.enum(['success', 'failure']).optional(),
  origin: z.strictObject({ ip: z.string().max(64).nullable().optional(), userAgent: z.string().max(512).nullable().optional(), requestId: z.string().max(128).nullable().optional() }).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type AuditJob = z.infer<typeof auditJobSchema>;

export interface JobPayloads {
  audit: AuditJob;
}
export const JOB_SCHEMAS: { [K in QueueName]: z.ZodType<JobPayloads[K]> } = {
  audit: auditJobSchema,
};
