extension Unicode.Scalar {
    // ASCII fast paths for the Unicode properties the parser reads on every scalar: the same
    // answers as `properties`, without the table look-up for the common ASCII case.

    /// `properties.isAlphabetic`.
    @inline(__always) var isAlphabeticFast: Bool {
        value < 0x80 ? (value | 0x20) &- 0x61 < 26 : properties.isAlphabetic
    }

    /// `properties.isWhitespace`.
    @inline(__always) var isWhitespaceFast: Bool {
        value < 0x80 ? value == 0x20 || (value >= 0x09 && value <= 0x0D) : properties.isWhitespace
    }

    /// `properties.isLowercase`.
    @inline(__always) var isLowercaseFast: Bool {
        value < 0x80 ? value &- 0x61 < 26 : properties.isLowercase
    }

    /// `properties.isUppercase`.
    @inline(__always) var isUppercaseFast: Bool {
        value < 0x80 ? value &- 0x41 < 26 : properties.isUppercase
    }

    /// `properties.numericType != nil`.
    @inline(__always) var isNumericFast: Bool {
        value < 0x80 ? value &- 0x30 < 10 : properties.numericType != nil
    }
}
