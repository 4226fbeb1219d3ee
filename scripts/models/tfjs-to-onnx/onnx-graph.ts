import onnxProto from 'onnx-proto';
import { permute, type TfjsWeight } from './weights.js';

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;
type ValueInfoProto = onnxProto.onnx.IValueInfoProto;

/** How weights are stored in the ONNX file. */
export type WeightStorage = 'uint8' | 'float32';

/** An attribute value; numbers are INT unless wrapped by {@link float}. */
export type AttrValue = number | number[] | string | { float: number };
export const float = (value: number): { float: number } => ({ float: value });

export interface GraphIo {
  name: string;
  elemType: 'float32';
  /** -1 marks a dynamic dimension (named `batch`). */
  shape: number[];
}

/**
 * Collects nodes and initializers of one ONNX graph in insertion order, so the same source always
 * encodes to the same bytes. Quantized weights stay uint8 and are dequantized in-graph by a lookup
 * (Cast -> Gather in a 256-entry table); onnxruntime folds these constants when the session is created.
 */
export class OnnxGraph {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly names = new Set<string>();

  constructor(private readonly storage: WeightStorage) {}

  /** Reserves a tensor name, suffixing it when it is taken. */
  name(base: string): string {
    let candidate = base;
    for (let i = 1; this.names.has(candidate); i++) candidate = `${base}__${i}`;
    this.names.add(candidate);
    return candidate;
  }

  /** Adds a node and returns its output names. */
  node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}): string[] {
    const outNames = outputs.map((o) => this.name(o));
    this.nodes.push({
      opType,
      name: outNames[0],
      input: inputs,
      output: outNames,
      attribute: Object.entries(attrs).map(([key, value]) => attribute(key, value)),
    });
    return outNames;
  }

  node1(opType: string, inputs: string[], output: string, attrs: Record<string, AttrValue> = {}): string {
    return this.node(opType, inputs, [output], attrs)[0]!;
  }

  constFloat(base: string, dims: number[], values: Float32Array): string {
    const name = this.name(base);
    this.initializers.push(tensor(name, onnx.TensorProto.DataType.FLOAT, dims, values));
    return name;
  }

  constInt64(base: string, values: number[]): string {
    const name = this.name(base);
    this.initializers.push(tensor(name, onnx.TensorProto.DataType.INT64, [values.length], BigInt64Array.from(values, BigInt)));
    return name;
  }

  /**
   * Adds a tfjs weight, its axes permuted by `perm` (optional) and reshaped to `dims`; returns the
   * name of a float32 tensor holding exactly tfjs's dequantized values (up to float32 rounding order).
   */
  weight(base: string, weight: TfjsWeight, dims: number[], perm?: number[]): string {
    if (weight.float32 || this.storage === 'float32') {
      const values = weight.float32 ?? Float32Array.from(weight.uint8!.data, (v) => v * weight.uint8!.scale + weight.uint8!.min);
      return this.constFloat(base, dims, perm ? permute(values, weight.shape, perm) : values);
    }
    const q = weight.uint8!;
    const qName = this.name(`${base}_quantized`);
    const data = perm ? permute(q.data, weight.shape, perm) : q.data;
    this.initializers.push(tensor(qName, onnx.TensorProto.DataType.UINT8, dims, data));
    // A 256-entry table of `v * scale + min`, computed in double and rounded once, is what tfjs
    // produces on load; float32 Mul then Add would round twice and drift by an ulp on some weights.
    const table = this.constFloat(`${base}_table`, [256], Float32Array.from({ length: 256 }, (_, v) => v * q.scale + q.min));
    const index = this.node1('Cast', [qName], `${base}_index`, { to: onnx.TensorProto.DataType.INT32 });
    return this.node1('Gather', [table, index], base, { axis: 0 });
  }

  /** Encodes the model; `opset` is the default-domain opset version. */
  encode(options: { graphName: string; inputs: GraphIo[]; outputs: GraphIo[]; opset: number; docString: string }): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 7,
      producerName: 'integrity-worker tfjs-to-onnx',
      producerVersion: '1',
      docString: options.docString,
      opsetImport: [{ domain: '', version: options.opset }],
      graph: {
        name: options.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: options.inputs.map(valueInfo),
        output: options.outputs.map(valueInfo),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function tensor(name: string, dataType: number, dims: number[], values: Float32Array | Uint8Array | BigInt64Array): TensorProto {
  // raw_data is little-endian by the ONNX spec, as are typed arrays on every platform Node runs on.
  const rawData = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  return { name, dataType, dims, rawData };
}

function attribute(name: string, value: AttrValue): AttributeProto {
  const type = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') return { name, type: type.INT, i: value };
  if (typeof value === 'string') return { name, type: type.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: type.INTS, ints: value };
  return { name, type: type.FLOAT, f: value.float };
}

function valueInfo(io: GraphIo): ValueInfoProto {
  return {
    name: io.name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: io.shape.map((d) => (d < 0 ? { dimParam: 'batch' } : { dimValue: d })) },
      },
    },
  };
}
