import CEncoderKernels

extension BertEncoder {
    /// Scratch buffers for one forward pass, grown on demand and reused across calls so the hot
    /// loop never allocates.
    final class Workspace: @unchecked Sendable {
        // @unchecked: a workspace is only ever used by the one call that took it out of the
        // encoder's pool, and the pool hands each out exclusively under its mutex.

        let shape: BertWeights.Shape
        /// Whether an integer kernel (int8, w8a8) runs on this workspace (then it holds quantised
        /// activations).
        let quantizes: Bool
        private(set) var capacityRows = 0
        private(set) var capacityLength = 0
        private(set) var hidden: UnsafeMutablePointer<Float>
        private(set) var qkv: UnsafeMutablePointer<Float>
        private(set) var context: UnsafeMutablePointer<Float>
        private(set) var projected: UnsafeMutablePointer<Float>
        private(set) var intermediate: UnsafeMutablePointer<Float>
        /// Attention's scratch: one head's keys transposed and one row of scores.
        private(set) var scores: UnsafeMutablePointer<Float>
        /// Activations quantised for the int8 kernel: `rows × intermediate` int16 values (empty
        /// unless ``quantizes``).
        private(set) var quantized: UnsafeMutablePointer<Int16>
        /// The quantised rows' scales.
        private(set) var rowScales: UnsafeMutablePointer<Float>
        /// The quantised rows' zero points (w8a8).
        private(set) var rowZeros: UnsafeMutablePointer<Int32>

        init(shape: BertWeights.Shape, quantizes: Bool) {
            self.shape = shape
            self.quantizes = quantizes
            hidden = Self.allocate(0)
            qkv = Self.allocate(0)
            context = Self.allocate(0)
            projected = Self.allocate(0)
            intermediate = Self.allocate(0)
            scores = Self.allocate(0)
            quantized = Self.allocateInt16(0)
            rowScales = Self.allocate(0)
            rowZeros = Self.allocateInt32(0)
        }

        deinit {
            for buffer in [hidden, qkv, context, projected, intermediate, scores] {
                buffer.deallocate()
            }
            quantized.deallocate()
            rowScales.deallocate()
            rowZeros.deallocate()
        }

        private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
            UnsafeMutableRawPointer.allocate(byteCount: max(count, 16) * 4, alignment: 64).bindMemory(to: Float.self, capacity: max(count, 16))
        }

        private static func allocateInt32(_ count: Int) -> UnsafeMutablePointer<Int32> {
            UnsafeMutableRawPointer.allocate(byteCount: max(count, 16) * 4, alignment: 64).bindMemory(to: Int32.self, capacity: max(count, 16))
        }

        private static func allocateInt16(_ count: Int) -> UnsafeMutablePointer<Int16> {
            UnsafeMutableRawPointer.allocate(byteCount: max(count, 32) * 2, alignment: 64).bindMemory(to: Int16.self, capacity: max(count, 32))
        }

        /// Makes room for `rows` token rows in all and sequences of up to `length` tokens.
        func reserve(rows: Int, length: Int) {
            if rows > capacityRows {
                // Round up so nearby batch shapes share one allocation; growth stays bounded by
                // the largest micro-batch (MiniLMEmbedder caps its rows).
                let newRows = (rows + 63) / 64 * 64
                let h = shape.hidden
                for buffer in [hidden, qkv, context, projected, intermediate, rowScales] { buffer.deallocate() }
                quantized.deallocate()
                rowZeros.deallocate()
                hidden = Self.allocate(newRows * h)
                qkv = Self.allocate(newRows * 3 * h)
                context = Self.allocate(newRows * h)
                projected = Self.allocate(newRows * h)
                intermediate = Self.allocate(newRows * shape.intermediate)
                // The widest input of a projection is the intermediate layer (rounded to even).
                quantized = Self.allocateInt16(quantizes ? newRows * ((max(shape.intermediate, shape.hidden) + 1) / 2 * 2) : 0)
                rowScales = Self.allocate(newRows)
                rowZeros = Self.allocateInt32(newRows)
                capacityRows = newRows
            }
            if length > capacityLength {
                scores.deallocate()
                scores = Self.allocate(deja_attention_scratch_elements(length, shape.headDimension))
                capacityLength = length
            }
        }
    }
}
