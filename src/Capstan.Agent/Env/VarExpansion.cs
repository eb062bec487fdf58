using System.Text;

namespace Capstan.Agent.Env;

/// <summary>
/// Kubernetes' $(VAR) expansion for command, args and env values: $(NAME) becomes the variable's value, $$ an escaped $,
/// and a reference to an unknown variable, an unclosed $( or a $ before anything else stays as written.
/// </summary>
public static class VarExpansion
{
    public static string Expand(string input, Func<string, string?> lookup)
    {
        if (!input.Contains('$'))
        {
            return input;
        }

        var result = new StringBuilder(input.Length);
        var checkpoint = 0;
        for (var cursor = 0; cursor < input.Length; cursor++)
        {
            if (input[cursor] != '$' || cursor + 1 >= input.Length)
            {
                continue;
            }

            result.Append(input, checkpoint, cursor - checkpoint);
            var next = input[cursor + 1];
            var advance = 1;
            if (next == '$')
            {
                result.Append('$');
            }
            else if (next == '(')
            {
                var close = input.IndexOf(')', cursor + 2);
                if (close < 0)
                {
                    result.Append("$(");
                }
                else
                {
                    var name = input.Substring(cursor + 2, close - cursor - 2);
                    result.Append(lookup(name) ?? $"$({name})");
                    advance = close - cursor;
                }
            }
            else
            {
                result.Append('$').Append(next);
            }

            cursor += advance;
            checkpoint = cursor + 1;
        }

        return result.Append(input, checkpoint, input.Length - checkpoint).ToString();
    }
}
