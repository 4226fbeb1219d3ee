import { windowPads } from './keras-layers.js';
import type { ConvertedModel, LayersConversionOptions } from './layers-to-onnx.js';
import { type GraphIo, OnnxGraph } from './onnx-graph.js';
import type { TfjsWeight } from './weights.js';

/** One node of a tfjs graph model (a frozen TensorFlow GraphDef in JSON). */
export interface TfjsGraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { s?: string; i?: string; f?: number; b?: boolean; list?: { i?: string[]; s?: string[] } }>;
}

interface GValue {
  name: string;
  /** Image tensors are NHWC at the input and NCHW once a convolution has run; `flat` is [N, F]. */
  layout: 'NHWC' | 'NCHW' | 'flat' | 'const';
  /** Logical shape without batch: [H, W, C] for images, [F] for flat, the weight shape for consts. */
  shape: number[];
}

const text = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString('latin1');
const ints = (list: string[] | undefined) => (list ?? []).map(Number);

/**
 * Converts a tfjs graph model made of the ops TF-Hub MobileNetV2 exports (after the tfjs converter
 * fused them): scalar Mul/Sub, _FusedConv2D / FusedDepthwiseConv2dNative with BiasAdd and Relu/Relu6,
 * AddV2, AvgPool, Squeeze, _FusedMatMul with BiasAdd, Softmax. Anything else fails the conversion.
 */
export function convertGraphModel(
  nodes: readonly TfjsGraphNode[],
  weights: ReadonlyMap<string, TfjsWeight>,
  options: LayersConversionOptions,
): ConvertedModel {
  const g = new OnnxGraph(options.storage);
  const values = new Map<string, GValue>();
  let input: GraphIo | undefined;
  let output: GValue | undefined;
  const get = (ref: string): GValue => {
    const v = values.get(ref.replace(/:0$/, ''));
    if (!v) throw new Error(`tensor ${ref} is not converted yet`);
    return v;
  };
  const nchw = (v: GValue): GValue =>
    v.layout === 'NHWC' ? { ...v, layout: 'NCHW', name: g.node1('Transpose', [v.name], `${v.name}_nchw`, { perm: [0, 3, 1, 2] }) } : v;
  const used = new Set<string>();
  const constOf = (ref: string, dims: number[], perm?: number[]) => {
    const w = weights.get(ref.replace(/:0$/, ''));
    if (!w) throw new Error(`constant ${ref} has no weight`);
    used.add(w.name);
    return g.weight(`${safe(ref)}`, w, dims, perm);
  };
  const shapeOfConst = (ref: string) => weights.get(ref)?.shape ?? [];

  for (const node of topologicalOrder(nodes)) {
    const a = node.attr ?? {};
    const ins = dataInputs(node);
    const set = (v: GValue) => values.set(node.name, v);
    switch (node.op) {
      case 'Const':
        set({ name: node.name, layout: 'const', shape: [...shapeOfConst(node.name)] });
        break;
      case 'Placeholder': {
        const dims = (a.shape as unknown as { shape: { dim: { size: string }[] } }).shape.dim.map((d) => Number(d.size));
        input = { name: g.name(options.inputName), elemType: 'float32', shape: dims };
        set({ name: input.name, layout: 'NHWC', shape: dims.slice(1) });
        break;
      }
      case 'Mul':
      case 'Sub':
      case 'AddV2': {
        const [x, y] = ins.map(get) as [GValue, GValue];
        const op = { Mul: 'Mul', Sub: 'Sub', AddV2: 'Add' }[node.op];
        const operand = (v: GValue, ref: string) => (v.layout === 'const' ? scalarConst(v, ref) : v);
        const scalarConst = (v: GValue, ref: string): GValue => {
          if (v.shape.length !== 0) throw new Error(`${node.name}: only scalar constants are supported`);
          return { name: constOf(ref, []), layout: 'const', shape: [] };
        };
        let [l, r] = [operand(x, ins[0]!), operand(y, ins[1]!)];
        if (l.layout !== 'const' && r.layout !== 'const' && l.layout !== r.layout) [l, r] = [nchw(l), nchw(r)];
        const tensor = l.layout === 'const' ? r : l;
        set({ ...tensor, name: g.node1(op!, [l.name, r.name], safe(node.name)) });
        break;
      }
      case '_FusedConv2D':
      case 'FusedDepthwiseConv2dNative': {
        if (text(a.data_format?.s) !== 'NHWC') throw new Error(`${node.name}: data_format must be NHWC`);
        const fused = (a.fused_ops?.list?.s ?? []).map(text);
        const x = nchw(get(ins[0]!));
        const [kh, kw, inCh, outOrMult] = shapeOfConst(ins[1]!) as [number, number, number, number];
        const depthwise = node.op === 'FusedDepthwiseConv2dNative';
        const outCh = depthwise ? inCh * outOrMult : outOrMult;
        const strides = ints(a.strides?.list?.i);
        const dilations = ints(a.dilations?.list?.i);
        if (dilations.some((d) => d !== 1)) throw new Error(`${node.name}: dilation is not supported`);
        const [h, w] = x.shape as [number, number];
        const { pads, outHw } = windowPads([h, w], [kh, kw], [strides[1]!, strides[2]!], text(a.padding?.s).toLowerCase());
        const kernel = constOf(ins[1]!, [outCh, depthwise ? 1 : inCh, kh, kw], depthwise ? [2, 3, 0, 1] : [3, 2, 0, 1]);
        if (fused[0] !== 'BiasAdd') throw new Error(`${node.name}: fused ops ${fused.join(',')} are not supported`);
        const bias = constOf(ins[2]!, [outCh]);
        const attrs = { kernel_shape: [kh, kw], strides: [strides[1]!, strides[2]!], pads, dilations: [1, 1], group: depthwise ? inCh : 1 };
        const y = g.node1('Conv', [x.name, kernel, bias], `${safe(node.name)}_conv`, attrs);
        set({ name: activation(g, y, fused.slice(1), safe(node.name)), layout: 'NCHW', shape: [...outHw, outCh] });
        break;
      }
      case 'AvgPool': {
        const x = nchw(get(ins[0]!));
        const k = ints(a.ksize?.list?.i);
        const s = ints(a.strides?.list?.i);
        const [h, w, ch] = x.shape as [number, number, number];
        const { pads, outHw } = windowPads([h, w], [k[1]!, k[2]!], [s[1]!, s[2]!], text(a.padding?.s).toLowerCase());
        const attrs = { kernel_shape: [k[1]!, k[2]!], strides: [s[1]!, s[2]!], pads, count_include_pad: 0 };
        set({ name: g.node1('AveragePool', [x.name], safe(node.name), attrs), layout: 'NCHW', shape: [...outHw, ch] });
        break;
      }
      case 'Squeeze': {
        const x = get(ins[0]!);
        const dims = ints(a.squeeze_dims?.list?.i);
        if (x.layout === 'flat' || dims.join() !== '1,2' || x.shape[0] !== 1 || x.shape[1] !== 1) {
          throw new Error(`${node.name}: only the spatial squeeze of a 1x1 image is supported`);
        }
        // [N, C, 1, 1] or [N, 1, 1, C] with unit spatial dims both flatten to [N, C].
        set({ name: g.node1('Flatten', [x.name], safe(node.name), { axis: 1 }), layout: 'flat', shape: [x.shape[2]!] });
        break;
      }
      case '_FusedMatMul': {
        const x = get(ins[0]!);
        if (a.transpose_a?.b || a.transpose_b?.b) throw new Error(`${node.name}: transposed MatMul is not supported`);
        const fused = (a.fused_ops?.list?.s ?? []).map(text);
        if (x.layout !== 'flat' || fused[0] !== 'BiasAdd') throw new Error(`${node.name}: unsupported MatMul`);
        const [inF, units] = shapeOfConst(ins[1]!) as [number, number];
        const y = g.node1('Gemm', [x.name, constOf(ins[1]!, [inF, units]), constOf(ins[2]!, [units])], `${safe(node.name)}_gemm`);
        set({ name: activation(g, y, fused.slice(1), safe(node.name)), layout: 'flat', shape: [units] });
        break;
      }
      case 'Softmax': {
        const x = get(ins[0]!);
        set({ ...x, name: g.node1('Softmax', [x.name], safe(node.name), { axis: -1 }) });
        break;
      }
      case 'Identity':
        set(get(ins[0]!));
        output = get(ins[0]!);
        break;
      default:
        throw new Error(`node ${node.name}: op ${node.op} is not supported`);
    }
  }
  const unused = [...weights.keys()].filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`weights not used by any node: ${unused.join(', ')}`);
  if (!input || !output || output.layout !== 'flat') throw new Error('expected one NHWC input and one [N, F] output');
  const outputName = g.node1('Identity', [output.name], options.outputName);
  const outputs: GraphIo[] = [{ name: outputName, elemType: 'float32', shape: [-1, ...output.shape] }];
  for (const extra of options.extraOutputs ?? []) {
    // `layer` names a graph node here; only a flat [N, F] activation can be exposed.
    const value = values.get(extra.layer);
    if (!value || value.layout !== 'flat') throw new Error(`extra output ${extra.name}: node ${extra.layer} is not a flat tensor`);
    outputs.push({ name: g.node1('Identity', [value.name], extra.name), elemType: 'float32', shape: [-1, ...value.shape] });
  }
  const bytes = g.encode({ graphName: 'main', inputs: [input], outputs, opset: 13, docString: options.docString });
  return { bytes, inputs: [input], outputs };
}

/** Inputs without control dependencies (`^name`), which only order execution in TensorFlow. */
const dataInputs = (node: TfjsGraphNode): string[] => (node.input ?? []).filter((ref) => !ref.startsWith('^'));

/** Nodes ordered so that every input comes before its reader; stable for an already ordered list. */
function topologicalOrder(nodes: readonly TfjsGraphNode[]): TfjsGraphNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const done = new Set<string>();
  const order: TfjsGraphNode[] = [];
  const visit = (node: TfjsGraphNode, path: Set<string>) => {
    if (done.has(node.name)) return;
    if (path.has(node.name)) throw new Error(`cycle at ${node.name}`);
    path.add(node.name);
    for (const ref of dataInputs(node)) {
      const dep = byName.get(ref.replace(/:0$/, ''));
      if (!dep) throw new Error(`${node.name}: input ${ref} does not exist`);
      visit(dep, path);
    }
    path.delete(node.name);
    done.add(node.name);
    order.push(node);
  };
  for (const node of nodes) visit(node, new Set());
  return order;
}

/** Shortens TF's long scoped names to their last segments, which stay unique in these graphs. */
function safe(name: string): string {
  return name.replace(/:0$/, '').split('/').slice(-3).join('/');
}

function activation(g: OnnxGraph, x: string, ops: string[], name: string): string {
  if (ops.length === 0) return x;
  if (ops.length > 1) throw new Error(`${name}: more than one fused activation`);
  if (ops[0] === 'Relu') return g.node1('Relu', [x], name);
  if (ops[0] === 'Relu6') {
    const lo = g.constFloat(`${name}_min`, [], Float32Array.of(0));
    const hi = g.constFloat(`${name}_max`, [], Float32Array.of(6));
    return g.node1('Clip', [x, lo, hi], name);
  }
  throw new Error(`${name}: fused activation ${ops[0]} is not supported`);
}
