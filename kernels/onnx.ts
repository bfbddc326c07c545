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

  build(opsets: Record<string, number> = { '': 21, 'com.microsoft': 1 }): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 10,
      producerName: 'prism-complete',
      opsetImport: Object.entries(opsets).map(([domain, version]) => ({ domain, version })),
      graph: this.graph(),
    });
    return onnx.ModelProto.encode(model).finish();
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
