using System.Globalization;
using System.Numerics;

namespace Capstan.Api.Validation;

/// <summary>How a quantity was written, and so how it is printed back.</summary>
public enum QuantityFormat
{
    /// <summary>Powers of 1024: Ki, Mi, Gi, Ti, Pi, Ei.</summary>
    BinarySI,

    /// <summary>Powers of 1000: n, u, m, k, M, G, T, P, E.</summary>
    DecimalSI,

    /// <summary>e/E followed by a power of ten, printed with exponents that are multiples of 3.</summary>
    DecimalExponent,
}

/// <summary>
/// A Kubernetes resource.Quantity: an exact decimal number with a suffix. Values are rounded up to nano units (10^-9),
/// as Kubernetes does; <see cref="ToString"/> gives the canonical form ("1500m", "1Gi", "1536Mi", "12e6").
/// </summary>
public readonly struct Quantity : IComparable<Quantity>, IEquatable<Quantity>
{
    public const string FormatError = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

    private const int MinScale = -9;

    // value = _unscaled * 10^_exponent, with _exponent >= -9.
    private readonly BigInteger _unscaled;
    private readonly int _exponent;

    private Quantity(BigInteger unscaled, int exponent, QuantityFormat format)
    {
        // Strip trailing zeros so equal values compare and print alike.
        while (!unscaled.IsZero && unscaled % 10 == 0)
        {
            unscaled /= 10;
            exponent++;
        }

        _unscaled = unscaled;
        _exponent = unscaled.IsZero ? 0 : exponent;
        Format = format;
    }

    public QuantityFormat Format { get; }

    public bool IsZero => _unscaled.IsZero;

    public int Sign => _unscaled.Sign;

    public static Quantity Zero => new(BigInteger.Zero, 0, QuantityFormat.DecimalSI);

    public static Quantity FromInteger(long value, QuantityFormat format = QuantityFormat.DecimalSI) => new(value, 0, format);

    public static Quantity Parse(string text) =>
        TryParse(text, out var q) ? q : throw new FormatException(FormatError);

    /// <summary>Parses &lt;sign&gt;&lt;digits&gt;[.&lt;digits&gt;]&lt;suffix&gt; where the suffix is binary SI, decimal SI or an exponent.</summary>
    public static bool TryParse(string? text, out Quantity quantity)
    {
        quantity = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var pos = 0;
        var negative = false;
        if (text[0] is '+' or '-')
        {
            negative = text[0] == '-';
            pos++;
        }

        var intStart = pos;
        while (pos < text.Length && char.IsAsciiDigit(text[pos])) pos++;
        var intDigits = text[intStart..pos];
        var fracDigits = "";
        if (pos < text.Length && text[pos] == '.')
        {
            pos++;
            var fracStart = pos;
            while (pos < text.Length && char.IsAsciiDigit(text[pos])) pos++;
            fracDigits = text[fracStart..pos];
        }

        if (intDigits.Length == 0 && fracDigits.Length == 0)
        {
            return false;
        }

        if (!TryParseSuffix(text[pos..], out var base2Power, out var exponent10, out var format))
        {
            return false;
        }

        var mantissa = BigInteger.Parse("0" + intDigits + fracDigits, CultureInfo.InvariantCulture);
        var exponent = exponent10 - fracDigits.Length;
        if (base2Power > 0)
        {
            mantissa *= BigInteger.Pow(2, base2Power);
        }

        if (exponent > 1000 || exponent < -1000)
        {
            return false;
        }

        if (negative)
        {
            mantissa = -mantissa;
        }

        // Round up (towards +infinity) to nano precision.
        if (exponent < MinScale)
        {
            var divisor = BigInteger.Pow(10, MinScale - exponent);
            var quotient = BigInteger.DivRem(mantissa, divisor, out var remainder);
            if (remainder.Sign > 0)
            {
                quotient += 1;
            }

            mantissa = quotient;
            exponent = MinScale;
        }

        quantity = new Quantity(mantissa, exponent, format);
        return true;
    }

    private static bool TryParseSuffix(string suffix, out int base2Power, out int exponent10, out QuantityFormat format)
    {
        base2Power = 0;
        exponent10 = 0;
        format = QuantityFormat.DecimalSI;
        switch (suffix)
        {
            case "": return true;
            case "n": exponent10 = -9; return true;
            case "u": exponent10 = -6; return true;
            case "m": exponent10 = -3; return true;
            case "k": exponent10 = 3; return true;
            case "M": exponent10 = 6; return true;
            case "G": exponent10 = 9; return true;
            case "T": exponent10 = 12; return true;
            case "P": exponent10 = 15; return true;
            case "E": exponent10 = 18; return true;
        }

        format = QuantityFormat.BinarySI;
        switch (suffix)
        {
            case "Ki": base2Power = 10; return true;
            case "Mi": base2Power = 20; return true;
            case "Gi": base2Power = 30; return true;
            case "Ti": base2Power = 40; return true;
            case "Pi": base2Power = 50; return true;
            case "Ei": base2Power = 60; return true;
        }

        format = QuantityFormat.DecimalExponent;
        if (suffix.Length >= 2 && suffix[0] is 'e' or 'E')
        {
            var digits = suffix[1..];
            var start = digits[0] is '+' or '-' ? 1 : 0;
            if (digits.Length > start && digits[start..].All(char.IsAsciiDigit)
                && int.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent10))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The value rounded up to a whole number.</summary>
    public BigInteger Ceiling => ScaledCeiling(0);

    /// <summary>The value in thousandths, rounded up (Kubernetes' MilliValue).</summary>
    public long MilliValue => (long)BigInteger.Clamp(ScaledCeiling(-3), long.MinValue, long.MaxValue);

    /// <summary>The value rounded up to an integer (Kubernetes' Value).</summary>
    public long Value => (long)BigInteger.Clamp(Ceiling, long.MinValue, long.MaxValue);

    public double ToDouble() => (double)_unscaled * Math.Pow(10, _exponent);

    /// <summary>Whether the value is a whole number.</summary>
    public bool IsInteger => _exponent >= 0 || _unscaled.IsZero;

    private BigInteger ScaledCeiling(int scale)
    {
        var shift = _exponent - scale;
        if (shift >= 0)
        {
            return _unscaled * BigInteger.Pow(10, shift);
        }

        var quotient = BigInteger.DivRem(_unscaled, BigInteger.Pow(10, -shift), out var remainder);
        return remainder.Sign > 0 ? quotient + 1 : quotient;
    }

    /// <summary>Rounds up to a multiple of 10^<paramref name="scale"/> (Kubernetes rounds resource lists to milli, scale -3).</summary>
    public Quantity RoundUp(int scale) =>
        _exponent >= scale ? this : new Quantity(ScaledCeiling(scale), scale, Format);

    public int CompareTo(Quantity other)
    {
        var exponent = Math.Min(_exponent, other._exponent);
        var a = _unscaled * BigInteger.Pow(10, _exponent - exponent);
        var b = other._unscaled * BigInteger.Pow(10, other._exponent - exponent);
        return a.CompareTo(b);
    }

    public bool Equals(Quantity other) => CompareTo(other) == 0;

    public override bool Equals(object? obj) => obj is Quantity q && Equals(q);

    public override int GetHashCode() => HashCode.Combine(_unscaled, _exponent);

    public static bool operator ==(Quantity a, Quantity b) => a.Equals(b);

    public static bool operator !=(Quantity a, Quantity b) => !a.Equals(b);

    public static bool operator <(Quantity a, Quantity b) => a.CompareTo(b) < 0;

    public static bool operator >(Quantity a, Quantity b) => a.CompareTo(b) > 0;

    public static bool operator <=(Quantity a, Quantity b) => a.CompareTo(b) <= 0;

    public static bool operator >=(Quantity a, Quantity b) => a.CompareTo(b) >= 0;

    public static Quantity operator +(Quantity a, Quantity b)
    {
        var exponent = Math.Min(a._exponent, b._exponent);
        var sum = a._unscaled * BigInteger.Pow(10, a._exponent - exponent) + b._unscaled * BigInteger.Pow(10, b._exponent - exponent);
        return new Quantity(sum, exponent, a.IsZero ? b.Format : a.Format);
    }

    /// <summary>The canonical text Kubernetes prints for this value in its format.</summary>
    public override string ToString()
    {
        if (_unscaled.IsZero)
        {
            return "0";
        }

        var format = Format;
        if (format == QuantityFormat.BinarySI)
        {
            // Small or fractional binary values print in decimal, to avoid rounding.
            var magnitude = BigInteger.Abs(_unscaled) * (_exponent >= 0 ? BigInteger.Pow(10, _exponent) : BigInteger.One);
            if (!IsInteger || (_exponent >= 0 && magnitude < 1024))
            {
                format = QuantityFormat.DecimalSI;
            }
        }

        if (format == QuantityFormat.BinarySI)
        {
            var value = _unscaled * BigInteger.Pow(10, _exponent);
            var power = 0;
            while (power < 6 && !value.IsZero && value % 1024 == 0)
            {
                value /= 1024;
                power++;
            }

            return value.ToString(CultureInfo.InvariantCulture) + power switch
            {
                0 => "",
                1 => "Ki",
                2 => "Mi",
                3 => "Gi",
                4 => "Ti",
                5 => "Pi",
                _ => "Ei",
            };
        }

        // Largest exponent that is a multiple of 3 and keeps the mantissa whole.
        var exp3 = (int)Math.Floor(_exponent / 3.0) * 3;
        var number = _unscaled * BigInteger.Pow(10, _exponent - exp3);
        var digits = number.ToString(CultureInfo.InvariantCulture);
        if (format == QuantityFormat.DecimalExponent)
        {
            return exp3 == 0 ? digits : digits + "e" + exp3.ToString(CultureInfo.InvariantCulture);
        }

        var suffix = exp3 switch
        {
            -9 => "n",
            -6 => "u",
            -3 => "m",
            0 => "",
            3 => "k",
            6 => "M",
            9 => "G",
            12 => "T",
            15 => "P",
            18 => "E",
            _ => null,
        };
        return suffix is null ? digits + "e" + exp3.ToString(CultureInfo.InvariantCulture) : digits + suffix;
    }
}
