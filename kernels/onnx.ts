// A small graph-building layer over onnx-proto: named values, initializers, nodes, and
// serialization. Every graph the server runs is made through this one class.
import { onnx } from 'onnx-proto';

export const DT = onnx.TensorProto.DataType;
export type Dim = number | string;

type AttrValue = number | string | number[] | { float: number } | { floats: number[] } | { graph: onnx.IGraphProto } | { tensor: onnx.ITensorProto };

export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly constCache = new Map<string, string>();
  private counter = 0;

  constructor(readonly name: string) {}

  private fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  input(name: string, type: number, shape: Dim[]): string {
    this.inputs.push(valueInfo(name, type, shape));
    return name;
  }

  output(name: string, type: number, shape: Dim[]): void {
    this.outputs.push(valueInfo(name, type, shape));
  }

  /**
   * An initializer from raw little-endian bytes. In a subgraph made with `hoist`, it is placed in
   * the main graph instead (once per name) and read from the outer scope: onnxruntime holds a
   * subgraph's own initializers several times over (a 63 MB switch graph took 255 MB resident;
   * with its weights in the main graph, 72 MB; docs/BENCHMARKS.md, "Memory").
   */
  initializer(name: string, type: number, dims: number[], data: ArrayBufferView): string {
    if (this.hoistTo) {
      if (!this.hoistTo.initializerNames.has(name)) this.hoistTo.initializer(name, type, dims, data);
      return name;
    }
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push({ name, dataType: type, dims, rawData: raw });
    this.initializerNames.add(name);
    return name;
  }

  private readonly initializerNames = new Set<string>();
  private hoistTo?: GraphBuilder;

  f32(name: string, dims: number[], data: Float32Array): string {
    return this.initializer(name, DT.FLOAT, dims, data);
  }

  /** A small int64 constant, shared between uses. */
  i64(values: number[], dims: number[] = [values.length]): string {
    const key = `i64:${dims.join(',')}:${values.join(',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.initializer(this.fresh('c'), DT.INT64, dims, BigInt64Array.from(values.map(BigInt)));
    this.constCache.set(key, name);
    return name;
  }

  scalar(value: number): string {
    const key = `f32:${value}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.f32(this.fresh('s'), [], Float32Array.of(value));
    this.constCache.set(key, name);
    return name;
  }

  /** Adds a node; returns its output names (fresh ones unless `outs` names them). */
  node(op: string, ins: string[], attrs: Record<string, AttrValue> = {}, opts: { outs?: string[] | number; domain?: string } = {}): string[] {
    const outs = Array.isArray(opts.outs) ? opts.outs
      : Array.from({ length: opts.outs ?? 1 }, () => this.fresh(op.toLowerCase()));
    this.nodes.push({
      opType: op,
      domain: opts.domain ?? '',
      input: ins,
      output: outs,
      name: this.fresh(`n_${op}`),
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** A single-output node. */
  op(op: string, ins: string[], attrs: Record<string, AttrValue> = {}, opts: { out?: string; domain?: string } = {}): string {
    return this.node(op, ins, attrs, { outs: opts.out ? [opts.out] : 1, domain: opts.domain })[0] as string;
  }

  /** The graph itself: the model's main graph, or a subgraph for If/Loop (it may read outer names). */
  graph(): onnx.IGraphProto {
    return { name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs };
  }

  /**
   * A subgraph builder whose generated names cannot collide with this graph's. `hoist`: its
   * initializers go to the main graph (see initializer()); an initializer name then means one
   * tensor everywhere in the model.
   */
  subgraph(name: string, opts: { hoist?: boolean } = {}): GraphBuilder {
    const sub = new GraphBuilder(name);
    sub.counter = 1_000_000 * (this.root().subgraphs += 1);
    sub.parent = this;
    if (opts.hoist) sub.hoistTo = this.root();
    return sub;
  }

  private parent?: GraphBuilder;

  private root(): GraphBuilder {
    return this.parent ? this.parent.root() : this;
  }

  private subgraphs = 0;

  /** The model, to serialize as one file or with its weights beside it (BuiltModel). */
  model(opsets: Record<string, number> = { '': 21, 'com.microsoft': 1 }): BuiltModel {
    return new BuiltModel({
      irVersion: 10,
      producerName: 'prism-complete',
      opsetImport: Object.entries(opsets).map(([domain, version]) => ({ domain, version })),
      graph: this.graph(),
    });
  }

  /** The model as one file's bytes, every initializer inline. */
  build(opsets?: Record<string, number>): Uint8Array {
    return this.model(opsets).bytes();
  }
}

/** A split model's graph with its initializers pointing at the data file `location` (a copy renamed). */
export function relocateExternalData(model: Uint8Array, location: string): Uint8Array {
  const m = onnx.ModelProto.decode(model);
  for (const t of m.graph?.initializer ?? []) {
    for (const e of t.externalData ?? []) if (e.key === 'location') e.value = location;
  }
  return onnx.ModelProto.encode(m).finish();
}

/** A model and its weights in two files: the graph, and the initializers' bytes it points into. */
export interface SplitModel {
  model: Uint8Array;
  /** The data file's contents, in order (alignment padding included). */
  data: Uint8Array[];
}

/** Offsets of external initializers are multiples of this (a page: each maps on its own pages). */
export const EXTERNAL_ALIGN = 4096;

export class BuiltModel {
  constructor(private readonly proto: onnx.IModelProto) {}

  /** One file: every initializer inline (a session made from bytes, tests). */
  bytes(): Uint8Array {
    return onnx.ModelProto.encode(onnx.ModelProto.create(this.proto)).finish();
  }

  /**
   * Initializers of at least `minBytes` moved to `dataFile` (a file name beside the model's, as
   * ONNX external data), each at a page-aligned offset. onnxruntime then maps them from the file
   * instead of copying them into its heap, and unmaps those its kernels prepack into their own
   * layout (the 4-bit and 8-bit matmul weights): the target's session held 83 MiB less after
   * loading (docs/BENCHMARKS.md, "The weights beside the graph").
   */
  split(dataFile: string, minBytes = 4096): SplitModel {
    const data: Uint8Array[] = [];
    let offset = 0;
    const external = (t: onnx.ITensorProto): onnx.ITensorProto => {
      const raw = t.rawData;
      if (!raw || raw.byteLength < minBytes) return t;
      const pad = (EXTERNAL_ALIGN - (offset % EXTERNAL_ALIGN)) % EXTERNAL_ALIGN;
      if (pad > 0) data.push(new Uint8Array(pad));
      offset += pad;
      data.push(raw);
      const entry = { name: t.name, dataType: t.dataType, dims: t.dims, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [{ key: 'location', value: dataFile }, { key: 'offset', value: String(offset) }, { key: 'length', value: String(raw.byteLength) }] };
      offset += raw.byteLength;
      return entry;
    };
    // Copies of the graph and its subgraphs (If branches keep their own weights), the proto untouched.
    const walk = (g: onnx.IGraphProto): onnx.IGraphProto => ({
      ...g,
      initializer: (g.initializer ?? []).map(external),
      node: (g.node ?? []).map((n) => (n.attribute ?? []).some((a) => a.g) ? { ...n, attribute: (n.attribute ?? []).map((a) => (a.g ? { ...a, g: walk(a.g) } : a)) } : n),
    });
    const graph = walk(this.proto.graph as onnx.IGraphProto);
    return { model: onnx.ModelProto.encode(onnx.ModelProto.create({ ...this.proto, graph })).finish(), data };
  }
}

function valueInfo(name: string, type: number, shape: Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: type,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, v: AttrValue): onnx.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: A.INT, i: v };
  if (typeof v === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: A.INTS, ints: v };
  if ('float' in v) return { name, type: A.FLOAT, f: v.float };
  if ('graph' in v) return { name, type: A.GRAPH, g: v.graph };
  if ('tensor' in v) return { name, type: A.TENSOR, t: v.tensor };
  return { name, type: A.FLOATS, floats: v.floats };
}
