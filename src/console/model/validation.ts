// Input schemas of the console: every body and query is parsed with these before use.
import { z } from 'zod';

export const providerKind = z.enum(['MSP', 'MSSP']);
export const userRole = z.enum(['admin', 'read-only']);

export const signInSchema = z
  .object({ email: z.string().trim().min(3).max(254), password: z.string().min(1).max(1024) })
  .strict();

export const providerCreateSchema = z
  .object({ name: z.string().trim().min(1).max(100), kind: providerKind })
  .strict();
export const providerUpdateSchema = providerCreateSchema.partial().strict();

export const userCreateSchema = z
  .object({
    email: z.string().trim().email().max(254),
    name: z.string().trim().min(1).max(100),
    role: userRole,
    password: z.string().min(12, 'password must be at least 12 characters long').max(128),
  })
  .strict();
export const userUpdateSchema = userCreateSchema.omit({ email: true }).partial().strict();

export const customerCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    seats: z.number().int().min(0).max(10_000_000).default(0),
  })
  .strict();
export const customerUpdateSchema = z
  .object({ name: z.string().trim().min(1).max(100), seats: z.number().int().min(0).max(10_000_000) })
  .partial()
  .strict();

/** ConnectWise company identifiers are at most 25 characters. */
export const mappingSchema = z
  .object({ psaCompanyIdentifier: z.string().trim().min(1).max(25).nullable() })
  .strict();

const hostOrUrl = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .refine(
    (v) => /^(https:\/\/)?[A-Za-z0-9.-]+(:\d{1,5})?\/?$/.test(v),
    'site must be a host name such as na.myconnectwise.net (optionally with :port)',
  );

/**
 * PSA Integration Details (CON-3). Keys are optional on update: an omitted key keeps the stored one,
 * so the page can be saved without re-typing secrets it never shows again.
 */
export const integrationSchema = z
  .object({
    enabled: z.boolean(),
    site: hostOrUrl,
    companyId: z.string().trim().min(1).max(50),
    publicKey: z.string().trim().min(1).max(100).optional(),
    privateKey: z.string().trim().min(1).max(200).optional(),
    clientId: z.string().trim().min(1).max(100),
    /** PEM of a private CA that signs the PSA's certificate (self-hosted PSAs). */
    trustedCa: z
      .string()
      .max(20_000)
      .refine((v) => v.includes('-----BEGIN CERTIFICATE-----'), 'trustedCa must be a PEM certificate')
      .nullable()
      .optional(),
  })
  .strict();

export type IntegrationInput = z.infer<typeof integrationSchema>;
