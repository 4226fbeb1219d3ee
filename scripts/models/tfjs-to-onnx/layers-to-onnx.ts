import { float, type GraphIo, OnnxGraph, type WeightStorage } from './onnx-graph.js';
import { type KerasLayer, type KerasModelTopology, pair, type Value, windowPads } from './keras-layers.js';
import type { TfjsWeight } from './weights.js';

/** A layer's activation exposed as one more graph output (for example pooled features as an embedding). */
export interface ExtraOutput {
  /** The Keras layer whose output becomes the graph output. */
  layer: string;
  /** The graph output's name. */
  name: string;
  /**
   * A spatial [H, W, C] activation as it is, [C, H, W] per image (ONNX's NCHW), for an evaluation
   * that pools it itself; without it the layer must be flat.
   */
  map?: boolean;
}

export interface LayersConversionOptions {
  storage: WeightStorage;
  inputName: string;
  outputName: string;
  docString: string;
  /** Outputs after the model's own; none by default, so the file stays the single-output model. */
  extraOutputs?: readonly ExtraOutput[];
}

export interface ConvertedModel {
  bytes: Uint8Array;
  inputs: GraphIo[];
  outputs: GraphIo[];
}

/**
 * Converts a tfjs layers model (Keras functional, channels_last) to ONNX. The input stays NHWC as
 * the reference takes it and is transposed once to NCHW; every layer maps to the ONNX op that
 * computes the same function. Unknown layers and options fail the conversion rather than guess.
 */
export function convertLayersModel(
  topology: KerasModelTopology,
  weights: ReadonlyMap<string, TfjsWeight>,
  options: LayersConversionOptions,
): ConvertedModel {
  const config = topology.model_config.config;
  if (config.input_layers.length !== 1 || config.output_layers.length !== 1) throw new Error('one input and one output expected');
  const g = new OnnxGraph(options.storage);
  const values = new Map<string, Value>();
  const foldable = padsFoldableIntoConv(config.layers);
  const used = new Set<string>();
  const weight = (layer: string, name: string): TfjsWeight => {
    const w = weights.get(`${layer}/${name}`);
    if (!w) throw new Error(`weight ${layer}/${name} is missing`);
    used.add(w.name);
    return w;
  };
  let inputIo: GraphIo | undefined;
  const pendingPad = new Map<string, [number, number, number, number]>();

  for (const layer of config.layers) {
    const inputs = (layer.inbound_nodes[0] ?? []).map(([name]) => {
      const v = values.get(name);
      if (!v) throw new Error(`layer ${layer.name}: input ${name} not converted yet`);
      return v;
    });
    const c = layer.config;
    const x = inputs[0]!;
    const set = (name: string, shape: number[]) => values.set(layer.name, { name, shape });
    switch (layer.class_name) {
      case 'InputLayer': {
        const shape = c.batch_input_shape as (number | null)[];
        if (shape.length !== 4 || shape.slice(1).some((d) => d === null)) throw new Error('input must be [N,H,W,C]');
        const hwc = shape.slice(1) as number[];
        inputIo = { name: g.name(options.inputName), elemType: 'float32', shape: [-1, ...hwc] };
        set(g.node1('Transpose', [inputIo.name], 'input_nchw', { perm: [0, 3, 1, 2] }), hwc);
        break;
      }
      case 'ZeroPadding2D': {
        const [[top, bottom], [left, right]] = c.padding as [[number, number], [number, number]];
        const pads: [number, number, number, number] = [top, left, bottom, right];
        const [h, w, ch] = x.shape as [number, number, number];
        const outShape = [h + top + bottom, w + left + right, ch];
        if (foldable.has(layer.name)) {
          // Folded into the one convolution that reads it: same values, one copy less per image.
          pendingPad.set(layer.name, pads);
          set(x.name, outShape);
        } else {
          const padsInput = g.constInt64(`${layer.name}_pads`, [0, 0, top, left, 0, 0, bottom, right]);
          set(g.node1('Pad', [x.name, padsInput], layer.name), outShape);
        }
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const depthwise = layer.class_name === 'DepthwiseConv2D';
        const kernel = pair(c.kernel_size, `${layer.name}.kernel_size`);
        const strides = pair(c.strides, `${layer.name}.strides`);
        const dilation = pair(c.dilation_rate, `${layer.name}.dilation_rate`);
        if (dilation[0] !== 1 || dilation[1] !== 1) throw new Error(`${layer.name}: dilation is not supported`);
        const inputLayer = layer.inbound_nodes[0]![0]![0];
        const folded = pendingPad.get(inputLayer) ?? [0, 0, 0, 0];
        pendingPad.delete(inputLayer);
        const [h, w, ch] = x.shape as [number, number, number];
        const { pads, outHw } = windowPads([h, w], kernel, strides, c.padding as string);
        const total = pads.map((p, i) => p + folded[i]!);
        let k: string;
        let outCh: number;
        if (depthwise) {
          const mult = c.depth_multiplier as number;
          outCh = ch * mult;
          k = g.weight(`${layer.name}_W`, weight(layer.name, 'depthwise_kernel'), [outCh, 1, ...kernel], [2, 3, 0, 1]);
        } else {
          outCh = c.filters as number;
          k = g.weight(`${layer.name}_W`, weight(layer.name, 'kernel'), [outCh, ch, ...kernel], [3, 2, 0, 1]);
        }
        const convInputs = [x.name, k];
        if (c.use_bias) convInputs.push(g.weight(`${layer.name}_B`, weight(layer.name, 'bias'), [outCh]));
        const attrs = { kernel_shape: kernel, strides, pads: total, dilations: [1, 1], group: depthwise ? ch : 1 };
        const y = g.node1('Conv', convInputs, `${layer.name}_conv`, attrs);
        set(activation(g, y, c.activation as string, layer.name), [...outHw, outCh]);
        break;
      }
      case 'BatchNormalization': {
        const axis = c.axis as number;
        if (axis !== -1 && axis !== x.shape.length) throw new Error(`${layer.name}: axis ${axis} is not supported`);
        const ch = x.shape[x.shape.length - 1]!;
        const ones = () => g.constFloat(`${layer.name}_ones`, [ch], new Float32Array(ch).fill(1));
        const zeros = () => g.constFloat(`${layer.name}_zeros`, [ch], new Float32Array(ch));
        const gamma = c.scale ? g.weight(`${layer.name}_gamma`, weight(layer.name, 'gamma'), [ch]) : ones();
        const beta = c.center ? g.weight(`${layer.name}_beta`, weight(layer.name, 'beta'), [ch]) : zeros();
        const mean = g.weight(`${layer.name}_mean`, weight(layer.name, 'moving_mean'), [ch]);
        const variance = g.weight(`${layer.name}_var`, weight(layer.name, 'moving_variance'), [ch]);
        const y = g.node1('BatchNormalization', [x.name, gamma, beta, mean, variance], layer.name, {
          epsilon: float(c.epsilon as number),
        });
        set(y, x.shape);
        break;
      }
      case 'ReLU': {
        if ((c.negative_slope as number) !== 0 || (c.threshold as number) !== 0) throw new Error(`${layer.name}: leaky/threshold ReLU`);
        const max = c.max_value as number | null;
        if (max === null || max === undefined) set(g.node1('Relu', [x.name], layer.name), x.shape);
        else {
          const lo = g.constFloat(`${layer.name}_min`, [], Float32Array.of(0));
          const hi = g.constFloat(`${layer.name}_max`, [], Float32Array.of(max));
          set(g.node1('Clip', [x.name, lo, hi], layer.name), x.shape);
        }
        break;
      }
      case 'Add':
        set(
          inputs.slice(1).reduce((acc, v, i) => g.node1('Add', [acc, v.name], i === inputs.length - 2 ? layer.name : `${layer.name}_${i}`), x.name),
          x.shape,
        );
        break;
      case 'AveragePooling2D':
      case 'MaxPooling2D': {
        const kernel = pair(c.pool_size, `${layer.name}.pool_size`);
        const strides = pair(c.strides ?? c.pool_size, `${layer.name}.strides`);
        const [h, w, ch] = x.shape as [number, number, number];
        const { pads, outHw } = windowPads([h, w], kernel, strides, c.padding as string);
        const op = layer.class_name === 'AveragePooling2D' ? 'AveragePool' : 'MaxPool';
        // TF averages over the valid pixels only, which is ONNX's count_include_pad = 0.
        const attrs = { kernel_shape: kernel, strides, pads, ...(op === 'AveragePool' ? { count_include_pad: 0 } : {}) };
        set(g.node1(op, [x.name], layer.name, attrs), [...outHw, ch]);
        break;
      }
      case 'GlobalAveragePooling2D': {
        const ch = x.shape[2]!;
        const pooled = g.node1('GlobalAveragePool', [x.name], `${layer.name}_pool`);
        set(g.node1('Flatten', [pooled], layer.name, { axis: 1 }), [ch]);
        break;
      }
      case 'Flatten': {
        const [h, w, ch] = x.shape as [number, number, number];
        // Keras flattens channels_last; NCHW flattens in the same order only when H = W = 1.
        const nhwc = h * w === 1 ? x.name : g.node1('Transpose', [x.name], `${layer.name}_nhwc`, { perm: [0, 2, 3, 1] });
        set(g.node1('Flatten', [nhwc], layer.name, { axis: 1 }), [h * w * ch]);
        break;
      }
      case 'Dense': {
        const units = c.units as number;
        const inF = x.shape[0]!;
        if (x.shape.length !== 1) throw new Error(`${layer.name}: Dense on rank > 2 is not supported`);
        const k = g.weight(`${layer.name}_W`, weight(layer.name, 'kernel'), [inF, units]);
        const gemmInputs = [x.name, k];
        if (c.use_bias) gemmInputs.push(g.weight(`${layer.name}_B`, weight(layer.name, 'bias'), [units]));
        const y = g.node1('Gemm', gemmInputs, `${layer.name}_gemm`);
        set(activation(g, y, c.activation as string, layer.name), [units]);
        break;
      }
      case 'Dropout':
        set(x.name, x.shape); // inference: identity
        break;
      default:
        throw new Error(`layer ${layer.name}: class ${layer.class_name} is not supported`);
    }
  }
  const unused = [...weights.keys()].filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`weights not used by any layer: ${unused.join(', ')}`);

  const out = values.get(config.output_layers[0]![0])!;
  // ONNX names the graph output after a node output; an Identity gives it the manifest's name.
  const outputName = g.node1('Identity', [out.name], options.outputName);
  const outputs: GraphIo[] = [{ name: outputName, elemType: 'float32', shape: [-1, ...out.shape] }];
  for (const extra of options.extraOutputs ?? []) {
    const value = values.get(extra.layer);
    if (!value) throw new Error(`extra output ${extra.name}: layer ${extra.layer} does not exist`);
    if (extra.map) {
      if (value.shape.length !== 3) throw new Error(`extra output ${extra.name}: layer ${extra.layer} is not [H, W, C]`);
      const [h, w, ch] = value.shape as [number, number, number];
      outputs.push({ name: g.node1('Identity', [value.name], extra.name), elemType: 'float32', shape: [-1, ch, h, w] });
      continue;
    }
    // Only a rank-1 activation per image keeps Keras's channels_last order without a transpose.
    if (value.shape.length !== 1) throw new Error(`extra output ${extra.name}: layer ${extra.layer} is not flat`);
    outputs.push({ name: g.node1('Identity', [value.name], extra.name), elemType: 'float32', shape: [-1, ...value.shape] });
  }
  const inputs = [inputIo!];
  const bytes = g.encode({ graphName: 'main', inputs, outputs, opset: 13, docString: options.docString });
  return { bytes, inputs, outputs };
}

function activation(g: OnnxGraph, x: string, name: string, layer: string): string {
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return g.node1('Relu', [x], layer);
    case 'sigmoid':
      return g.node1('Sigmoid', [x], layer);
    case 'softmax':
      return g.node1('Softmax', [x], layer, { axis: -1 });
    default:
      throw new Error(`${layer}: activation ${name} is not supported`);
  }
}

/** Names of layers read by exactly one layer, a convolution: their padding can move into its pads. */
function padsFoldableIntoConv(layers: readonly KerasLayer[]): Set<string> {
  const readers = new Map<string, KerasLayer[]>();
  for (const layer of layers) {
    for (const node of layer.inbound_nodes) for (const [name] of node) readers.set(name, [...(readers.get(name) ?? []), layer]);
  }
  const conv = new Set(['Conv2D', 'DepthwiseConv2D']);
  return new Set([...readers].filter(([, r]) => r.length === 1 && conv.has(r[0]!.class_name)).map(([name]) => name));
}
