"""Text-spam model of integrity-worker: corpus extraction, featurizer, training, ONNX export, evaluation."""
