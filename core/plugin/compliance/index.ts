import { PluginDefinition, PluginKind } from '../contracts';
import { CHOKE_CONTRACT } from './choke-contract';
import { CheckResult, ContractCheck, runChecks } from './compliance';
import { LOGGER_CONTRACT } from './logger-contract';
import { STRATEGY_CONTRACT } from './strategy-contract';
import { RATE_LIMITER_CONTRACT } from './rate-limiter-contract';
import { RATE_METER_CONTRACT } from './rate-meter-contract';
import { SIMULATED_STORAGE_CONTRACT, STORAGE_CONTRACT } from './storage-contract';

/** The contract every plugin of a kind must meet. */
export const CONTRACTS: { readonly [K in PluginKind]: readonly ContractCheck<K>[] } = {
  strategy: STRATEGY_CONTRACT,
  choke: CHOKE_CONTRACT,
  'rate-meter': RATE_METER_CONTRACT,
  'rate-limiter': RATE_LIMITER_CONTRACT,
  storage: STORAGE_CONTRACT,
  logger: LOGGER_CONTRACT,
};

/** The checks a plugin must pass: its kind's contract (a simulation-only store has its own). */
export function contractFor<K extends PluginKind>(definition: PluginDefinition<K>): readonly ContractCheck<K>[] {
  if (definition.kind === 'storage' && definition.simulationOnly) return SIMULATED_STORAGE_CONTRACT as readonly ContractCheck<PluginKind>[] as readonly ContractCheck<K>[];
  return CONTRACTS[definition.kind] as readonly ContractCheck<K>[];
}

export function checkPlugin<K extends PluginKind>(definition: PluginDefinition<K>): Promise<CheckResult[]> {
  return runChecks(definition, contractFor(definition));
}

export type { CheckResult, ContractCheck };
