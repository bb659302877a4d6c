/**
 * Dawid–Skene labels for one multiple-choice instruction, from the answers labels.ts gathered: task →
 * participant → chosen values. A single-select instruction is one crowd over its options; a multi-select one
 * is a chosen / not-chosen crowd per option, as majority vote treats it. Pure: no I/O.
 */
import { type Crowd, dawidSkene } from './dawid-skene.js';

export type Ballots = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

export interface Modelled {
  label: string | string[];
  /** Posterior probability of the label: for multi-select, of every option's decision together. */
  confidence: number;
}

/** Per participant, Σ accuracy × answers and Σ answers, to weigh instructions and options by how much each covers. */
export type Skills = Map<string, { sum: number; weight: number }>;

class Encoder {
  readonly workers = new Map<string, number>();
  readonly item: number[] = [];
  readonly worker: number[] = [];
  readonly label: number[] = [];

  answer(item: number, participant: string, label: number): void {
    let index = this.workers.get(participant);
    if (index === undefined) {
      index = this.workers.size;
      this.workers.set(participant, index);
    }
    this.item.push(item);
    this.worker.push(index);
    this.label.push(label);
  }

  crowd(items: number, classes: number): Crowd {
    return {
      items,
      workers: this.workers.size,
      classes,
      item: Int32Array.from(this.item),
      worker: Int32Array.from(this.worker),
      label: Int32Array.from(this.label),
    };
  }
}

function credit(skills: Skills, encoder: Encoder, accuracy: Float64Array): void {
  const answers = new Int32Array(encoder.workers.size);
  for (const w of encoder.worker) answers[w] = (answers[w] as number) + 1;
  for (const [participant, w] of encoder.workers) {
    const entry = skills.get(participant) ?? { sum: 0, weight: 0 };
    entry.sum += (accuracy[w] as number) * (answers[w] as number);
    entry.weight += answers[w] as number;
    skills.set(participant, entry);
  }
}

/** @param classes  the instruction's option values in order; values nobody offered are added as seen */
export function modelSingle(byTask: Ballots, classes: readonly string[], skills: Skills): Map<string, Modelled> {
  const index = new Map(classes.map((value, i) => [value, i]));
  const names = [...classes];
  const tasks: string[] = [];
  const encoder = new Encoder();
  for (const [task, raters] of byTask) {
    const item = tasks.length;
    for (const [participant, values] of raters) {
      const value = values[0];
      if (value === undefined) continue;
      let label = index.get(value);
      if (label === undefined) {
        label = names.length;
        index.set(value, label);
        names.push(value);
      }
      encoder.answer(item, participant, label);
    }
    if (encoder.item.at(-1) === item) tasks.push(task);
  }
  const out = new Map<string, Modelled>();
  if (tasks.length === 0) return out;
  const result = dawidSkene(encoder.crowd(tasks.length, names.length));
  tasks.forEach((task, i) => out.set(task, { label: names[result.labels[i] as number] as string, confidence: result.confidence[i] as number }));
  credit(skills, encoder, result.accuracy);
  return out;
}

/** @param options  every option of the instruction: not choosing one is an answer too */
export function modelMulti(byTask: Ballots, options: readonly string[], skills: Skills): Map<string, Modelled> {
  const tasks = [...byTask.keys()];
  const labels = tasks.map((): string[] => []);
  const confidence = new Float64Array(tasks.length).fill(1);
  for (const option of options) {
    const encoder = new Encoder();
    tasks.forEach((task, item) => {
      for (const [participant, values] of byTask.get(task) ?? []) encoder.answer(item, participant, values.includes(option) ? 1 : 0);
    });
    const result = dawidSkene(encoder.crowd(tasks.length, 2));
    tasks.forEach((_, item) => {
      if (result.labels[item] === 1) labels[item]?.push(option);
      confidence[item] = (confidence[item] as number) * (result.confidence[item] as number);
    });
    credit(skills, encoder, result.accuracy);
  }
  return new Map(tasks.map((task, item) => [task, { label: labels[item] as string[], confidence: confidence[item] as number }]));
}
