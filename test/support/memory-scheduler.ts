import type { ScheduleInfo, ScheduleSpec, Scheduler } from '../../functions/engine/ports.js';

/** An in-memory stand-in for the Scheduler port; `consoleEdit` plays a person in the AWS console. */
export class MemoryScheduler implements Scheduler {
  readonly schedules = new Map<string, ScheduleInfo>();
  async get(name: string) {
    return this.schedules.get(name) ?? null;
  }
  async list() {
    return [...this.schedules.values()];
  }
  async create(spec: ScheduleSpec) {
    this.schedules.set(spec.name, { name: spec.name, rateExpression: spec.rateExpression, enabled: true, managedRateExpression: spec.rateExpression, target: spec.target });
  }
  async updateRate(spec: ScheduleSpec) {
    const current = this.schedules.get(spec.name)!;
    this.schedules.set(spec.name, { ...current, rateExpression: spec.rateExpression, managedRateExpression: spec.rateExpression });
  }
  async delete(name: string) {
    this.schedules.delete(name);
  }
  consoleEdit(name: string, change: { enabled?: boolean; rateExpression?: string }) {
    const current = this.schedules.get(name)!;
    this.schedules.set(name, { ...current, ...change });
  }
}
