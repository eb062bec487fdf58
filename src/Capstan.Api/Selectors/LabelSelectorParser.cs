namespace Capstan.Api.Selectors;

/// <summary>
/// Parses the string form of a label selector (<c>?labelSelector=</c>) following Kubernetes' grammar:
/// requirements joined by commas, each <c>[!]key</c>, <c>key (=|==|!=|&gt;|&lt;) value</c> or <c>key (in|notin) (v1,v2)</c>.
/// </summary>
internal sealed class LabelSelectorParser
{
    private enum Token
    {
        Error,
        End,
        ClosedPar,
        Comma,
        DoesNotExist,
        DoubleEquals,
        EqualsSign,
        GreaterThan,
        Identifier,
        In,
        LessThan,
        NotEquals,
        NotIn,
        OpenPar,
    }

    private static readonly Dictionary<string, Token> Literals = new(StringComparer.Ordinal)
    {
        [")"] = Token.ClosedPar,
        [","] = Token.Comma,
        ["!"] = Token.DoesNotExist,
        ["=="] = Token.DoubleEquals,
        ["="] = Token.EqualsSign,
        [">"] = Token.GreaterThan,
        ["in"] = Token.In,
        ["<"] = Token.LessThan,
        ["!="] = Token.NotEquals,
        ["notin"] = Token.NotIn,
        ["("] = Token.OpenPar,
    };

    private readonly List<(Token Tok, string Lit)> _items = [];
    private int _position;

    private LabelSelectorParser(string input)
    {
        var lexer = new Lexer(input);
        while (true)
        {
            var item = lexer.Next();
            _items.Add(item);
            if (item.Tok == Token.End)
            {
                break;
            }
        }
    }

    public static List<LabelRequirement> Parse(string input) => new LabelSelectorParser(input).Run();

    private List<LabelRequirement> Run()
    {
        var requirements = new List<LabelRequirement>();
        while (true)
        {
            var (tok, lit) = Peek(valuesContext: true);
            switch (tok)
            {
                case Token.Identifier or Token.DoesNotExist:
                    LabelRequirement requirement;
                    try
                    {
                        requirement = ParseRequirement();
                    }
                    catch (SelectorParseException e)
                    {
                        throw new SelectorParseException("unable to parse requirement: " + e.Message);
                    }

                    requirements.Add(requirement);
                    var (t, l) = Consume(valuesContext: true);
                    switch (t)
                    {
                        case Token.End:
                            return requirements;
                        case Token.Comma:
                            var (t2, l2) = Peek(valuesContext: true);
                            if (t2 is not Token.Identifier and not Token.DoesNotExist)
                            {
                                throw new SelectorParseException($"found '{l2}', expected: identifier after ','");
                            }

                            break;
                        default:
                            throw new SelectorParseException($"found '{l}', expected: ',' or 'end of string'");
                    }

                    break;
                case Token.End:
                    return requirements;
                default:
                    throw new SelectorParseException($"found '{lit}', expected: !, identifier, or 'end of string'");
            }
        }
    }

    private LabelRequirement ParseRequirement()
    {
        var (key, op) = ParseKeyAndInferOperator();
        if (op is SelectorOperator.Exists or SelectorOperator.DoesNotExist)
        {
            return LabelRequirement.Create(key, op.Value, []);
        }

        var binary = ParseOperator();
        var values = binary is SelectorOperator.In or SelectorOperator.NotIn ? ParseValues() : ParseExactValue();
        return LabelRequirement.Create(key, binary, values.Order(StringComparer.Ordinal));
    }

    private (string Key, SelectorOperator? Op) ParseKeyAndInferOperator()
    {
        SelectorOperator? op = null;
        var (tok, lit) = Consume(valuesContext: true);
        if (tok == Token.DoesNotExist)
        {
            op = SelectorOperator.DoesNotExist;
            (tok, lit) = Consume(valuesContext: true);
        }

        if (tok != Token.Identifier)
        {
            throw new SelectorParseException($"found '{lit}', expected: identifier");
        }

        var keyErrors = LabelSyntax.KeyErrors(lit);
        if (keyErrors.Count > 0)
        {
            throw new SelectorParseException(LabelSyntax.Invalid(null, lit, keyErrors));
        }

        var (next, _) = Peek(valuesContext: true);
        if (next is Token.End or Token.Comma && op != SelectorOperator.DoesNotExist)
        {
            op = SelectorOperator.Exists;
        }

        return (lit, op);
    }

    private SelectorOperator ParseOperator()
    {
        var (tok, lit) = Consume(valuesContext: false);
        return tok switch
        {
            Token.In => SelectorOperator.In,
            Token.EqualsSign => SelectorOperator.Equals,
            Token.DoubleEquals => SelectorOperator.DoubleEquals,
            Token.GreaterThan => SelectorOperator.GreaterThan,
            Token.LessThan => SelectorOperator.LessThan,
            Token.NotIn => SelectorOperator.NotIn,
            Token.NotEquals => SelectorOperator.NotEquals,
            _ => throw new SelectorParseException($"found '{lit}', expected: in, notin, =, ==, !=, gt, lt"),
        };
    }

    private SortedSet<string> ParseValues()
    {
        var (tok, lit) = Consume(valuesContext: true);
        if (tok != Token.OpenPar)
        {
            throw new SelectorParseException($"found '{lit}' expected: '('");
        }

        (tok, lit) = Peek(valuesContext: true);
        switch (tok)
        {
            case Token.Identifier or Token.Comma:
                var set = ParseIdentifiersList();
                if (Consume(valuesContext: true).Tok != Token.ClosedPar)
                {
                    throw new SelectorParseException($"found '{lit}', expected: ')'");
                }

                return set;
            case Token.ClosedPar:
                Consume(valuesContext: true);
                return new SortedSet<string>(StringComparer.Ordinal) { "" };
            default:
                throw new SelectorParseException($"found '{lit}', expected: ',', ')' or identifier");
        }
    }

    private SortedSet<string> ParseIdentifiersList()
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var (tok, lit) = Consume(valuesContext: true);
            switch (tok)
            {
                case Token.Identifier:
                    set.Add(lit);
                    var (tok2, lit2) = Peek(valuesContext: true);
                    switch (tok2)
                    {
                        case Token.Comma:
                            continue;
                        case Token.ClosedPar:
                            return set;
                        default:
                            throw new SelectorParseException($"found '{lit2}', expected: ',' or ')'");
                    }

                case Token.Comma:
                    // "(," ",)" and ",," all stand for an empty value.
                    if (set.Count == 0)
                    {
                        set.Add("");
                    }

                    var (next, _) = Peek(valuesContext: true);
                    if (next == Token.ClosedPar)
                    {
                        set.Add("");
                        return set;
                    }

                    if (next == Token.Comma)
                    {
                        set.Add("");
                    }

                    break;
                default:
                    throw new SelectorParseException($"found '{lit}', expected: ',', or identifier");
            }
        }
    }

    private SortedSet<string> ParseExactValue()
    {
        var (tok, _) = Peek(valuesContext: true);
        if (tok is Token.End or Token.Comma)
        {
            return new SortedSet<string>(StringComparer.Ordinal) { "" };
        }

        var (t, lit) = Consume(valuesContext: true);
        if (t == Token.Identifier)
        {
            return new SortedSet<string>(StringComparer.Ordinal) { lit };
        }

        throw new SelectorParseException($"found '{lit}', expected: identifier");
    }

    // In a values context the keywords "in" and "notin" are ordinary identifiers ("x in (in)").
    private (Token Tok, string Lit) Peek(bool valuesContext) => Adjust(_items[_position], valuesContext);

    private (Token Tok, string Lit) Consume(bool valuesContext)
    {
        var item = _items[_position];
        if (_position < _items.Count - 1)
        {
            _position++;
        }

        return Adjust(item, valuesContext);
    }

    private static (Token Tok, string Lit) Adjust((Token Tok, string Lit) item, bool valuesContext) =>
        valuesContext && item.Tok is Token.In or Token.NotIn ? (Token.Identifier, item.Lit) : item;

    private sealed class Lexer(string s)
    {
        private int _pos;

        public (Token Tok, string Lit) Next()
        {
            while (_pos < s.Length && IsWhitespace(s[_pos]))
            {
                _pos++;
            }

            if (_pos >= s.Length)
            {
                return (Token.End, "");
            }

            return IsSpecial(s[_pos]) ? ScanSpecial() : ScanIdentifier();
        }

        private (Token, string) ScanIdentifier()
        {
            var start = _pos;
            while (_pos < s.Length && !IsSpecial(s[_pos]) && !IsWhitespace(s[_pos]))
            {
                _pos++;
            }

            var lit = s[start.._pos];
            return Literals.TryGetValue(lit, out var tok) ? (tok, lit) : (Token.Identifier, lit);
        }

        // Longest run of symbol characters that still forms an operator: "!=" rather than "!" then "=".
        private (Token, string) ScanSpecial()
        {
            var start = _pos;
            (Token Tok, string Lit)? last = null;
            while (_pos < s.Length && IsSpecial(s[_pos]))
            {
                var candidate = s[start..(_pos + 1)];
                if (Literals.TryGetValue(candidate, out var tok))
                {
                    last = (tok, candidate);
                    _pos++;
                }
                else if (last is not null)
                {
                    break;
                }
                else
                {
                    _pos++;
                }
            }

            return last is { } found ? found : (Token.Error, $"error expected: keyword found '{s[start.._pos]}'");
        }

        private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\r' or '\n';

        private static bool IsSpecial(char c) => c is '=' or '!' or '(' or ')' or ',' or '>' or '<';
    }
}
