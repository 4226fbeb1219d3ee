/** The parts of a tfjs layers-model topology (Keras functional config) that the converter reads. */
export interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: [string, number, number, Record<string, unknown>][][];
}

export interface KerasModelTopology {
  model_config: {
    class_name: string;
    config: { layers: KerasLayer[]; input_layers: [string, number, number][]; output_layers: [string, number, number][] };
  };
}

/** A converted tensor: its ONNX name, and its logical Keras shape without the batch dimension. */
export interface Value {
  name: string;
  /** [H, W, C] for images (held as NCHW in ONNX), [F] after Flatten or Dense. */
  shape: number[];
}

export function pair(value: unknown, what: string): [number, number] {
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) {
    return [value[0] as number, value[1] as number];
  }
  throw new Error(`${what}: expected two numbers, got ${JSON.stringify(value)}`);
}

/**
 * ONNX pads [top, left, bottom, right] that reproduce TensorFlow's padding of a window op; TF's
 * "same" puts the odd pixel at the bottom/right.
 */
export function windowPads(
  inHw: [number, number],
  kernel: [number, number],
  strides: [number, number],
  padding: string,
): { pads: [number, number, number, number]; outHw: [number, number] } {
  if (padding === 'valid') {
    const out = (i: 0 | 1) => Math.floor((inHw[i] - kernel[i]) / strides[i]) + 1;
    return { pads: [0, 0, 0, 0], outHw: [out(0), out(1)] };
  }
  if (padding !== 'same') throw new Error(`padding ${padding} is not supported`);
  const outHw: [number, number] = [Math.ceil(inHw[0] / strides[0]), Math.ceil(inHw[1] / strides[1])];
  const total = (i: 0 | 1) => Math.max((outHw[i] - 1) * strides[i] + kernel[i] - inHw[i], 0);
  const [th, tw] = [total(0), total(1)];
  return { pads: [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)], outHw };
}
