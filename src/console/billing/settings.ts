// Billing settings (issue 17): per provider off / preview / on, the product identifier, the agreement
// type that receives the line, and what a seat is. zod schemas shared by the console API, the CLI
// and the OpenAPI document; the identifier and type name end up inside ConnectWise `conditions`
// strings, so they are held to characters that need no quoting rules.
import { z } from 'zod';

export const BILLING_MODES = ['off', 'preview', 'on'] as const;
export type BillingMode = (typeof BILLING_MODES)[number];

/**
 * configured: the customer's configured seats (con_customer.seats);
 * identities: distinct roaming computers and AD users seen in the last N days;
 * larger: the larger of both.
 */
export const SEAT_BASES = ['configured', 'identities', 'larger'] as const;
export type SeatBasis = (typeof SEAT_BASES)[number];

/** Identity kinds that are a seat; networks, sites, tunnels and the like protect many seats at once. */
export const SEAT_IDENTITY_TYPES = ['roaming-computer', 'ad-user'] as const;

// ConnectWise product identifiers are at most 25 characters; agreement type names at most 50.
const conditionSafe = /^[A-Za-z0-9][A-Za-z0-9 _.\-/&+#]*$/;

export const billingSettingsSchema = z
  .object({
    mode: z.enum(BILLING_MODES),
    productIdentifier: z
      .string()
      .trim()
      .min(1)
      .max(25)
      .regex(conditionSafe, 'letters, digits, spaces and - _ . / & + # only'),
    agreementType: z
      .string()
      .trim()
      .min(1)
      .max(50)
      .regex(conditionSafe, 'letters, digits, spaces and - _ . / & + # only'),
    seatBasis: z.enum(SEAT_BASES),
    identityDays: z.number().int().min(1).max(90),
  })
  .strict();

export type BillingSettings = z.infer<typeof billingSettingsSchema>;

export const DEFAULT_BILLING_SETTINGS: BillingSettings = {
  mode: 'off',
  productIdentifier: 'DNS-SECURITY-SEAT',
  agreementType: 'Managed Services',
  seatBasis: 'larger',
  identityDays: 30,
};

/** A per-customer override: the agreement (a PSA id picked from the PSA's list), or null for "by type". */
export const billingOverrideSchema = z
  .object({ agreementId: z.number().int().min(1).max(2_147_483_647).nullable() })
  .strict();
