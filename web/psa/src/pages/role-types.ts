// A security role as the admin API returns it.
import type { Levels } from '../session.js';

export interface Role {
  id: number;
  name: string;
  adminFlag: boolean;
  inactiveFlag: boolean;
  levels: Record<string, Levels>;
  allowLists: Record<string, string[]>;
  createdAt: string;
  updatedAt: string;
}
