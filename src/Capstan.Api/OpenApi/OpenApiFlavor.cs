namespace Capstan.Api.OpenApi;

/// <summary>Which OpenAPI dialect a document is written in; they differ in where schemas live and how references carry siblings.</summary>
public enum OpenApiFlavor
{
    /// <summary>Swagger 2.0 (<c>/openapi/v2</c>): <c>#/definitions/</c>, <c>$ref</c> with sibling description.</summary>
    V2,

    /// <summary>OpenAPI 3.0 (<c>/openapi/v3/...</c>): <c>#/components/schemas/</c>, references wrapped in <c>allOf</c> when they carry siblings.</summary>
    V3,
}
