namespace Capstan.Scheduler.Binding;

public enum BindOutcome
{
    Bound,

    /// <summary>The pod was deleted, or is already bound or terminating: nothing more to do for it.</summary>
    Gone,
}
