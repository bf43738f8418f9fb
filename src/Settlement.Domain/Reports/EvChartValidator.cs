using System.Globalization;
using System.Text.RegularExpressions;

namespace Settlement.Domain.Reports;

/// <summary>
/// Checks a CSV against the rules EV-ChART applies when a module 2–5 file is uploaded: its data validation
/// (columns, types, lengths, precision, ranges, required cells) and its row rules for "no data" rows
/// (modules 2 and 4), as ev-chart-open-source 6664664 implements them with its current configuration.
/// </summary>
/// <remarks>
/// What needs EV-ChART's database is not checked: that station_id and network_provider name a registered,
/// active station the uploader may report for; that a module 3 row with empty uptime is for a station
/// operational for less than a year; and that a row's key was not uploaded before. Keys repeated within
/// the file are checked.
/// Stricter than EV-ChART in one respect: a decimal or integer must be written in plain notation
/// ("12.50", "-3"). EV-ChART parses them with Python's float and int, which also take "1e3", "nan",
/// "inf", "1_000" and surrounding spaces; no report should contain those.
/// </remarks>
public static partial class EvChartValidator
{
    public const string NoData = "Uploaded file does not contain any data.";

    /// <summary>What EV-ChART would refuse in <paramref name="csv"/> as an upload for <paramref name="module"/>; empty when it would accept it.</summary>
    public static IReadOnlyList<string> Validate(NeviModule module, string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var fields = EvChartFields.Of(module);
        var records = CsvRecords.Parse(csv.StartsWith('\uFEFF') ? csv[1..] : csv);
        if (records.Count == 0)
            return [.. fields.Where(f => f.Presence != EvChartPresence.Optional).Select(MissingColumn), NoData];

        var header = records[0].Cells;
        var columns = Columns(header, fields);
        var rows = WithoutTemplateRows(records.Skip(1).Where(r => !r.IsBlank).ToList());

        var problems = new List<string>();
        problems.AddRange(ColumnProblems(header, fields, columns));
        if (rows.Count == 0)
            problems.Add(NoData);
        foreach (var row in rows)
        {
            problems.AddRange(ShapeProblems(row, header.Count));
            foreach (var (field, index) in columns)
                if (CellProblem(field, Cell(row, index)) is { } problem)
                    problems.Add($"row {row.Row}: {problem}");
            problems.AddRange(RowRuleProblems(module, row, columns).Select(problem => $"row {row.Row}: {problem}"));
        }
        problems.AddRange(RepeatedKeys(module, rows, columns));
        return problems;
    }

    /// <summary>Each known column with its first position in the header; a repeated column is reported, not read twice.</summary>
    private static List<(EvChartField Field, int Index)> Columns(IReadOnlyList<string> header, IReadOnlyList<EvChartField> fields) =>
        fields
            .Select(field => (Field: field, Index: IndexOf(header, field.Name)))
            .Where(column => column.Index >= 0)
            .ToList();

    private static int IndexOf(IReadOnlyList<string> header, string name)
    {
        for (var i = 0; i < header.Count; i++)
            if (header[i] == name)
                return i;
        return -1;
    }

    private static IEnumerable<string> ColumnProblems(
        IReadOnlyList<string> header, IReadOnlyList<EvChartField> fields, List<(EvChartField Field, int Index)> columns)
    {
        foreach (var repeated in header.GroupBy(name => name).Where(g => g.Count() > 1))
            yield return $"Duplicate column \"{repeated.Key}\"";
        var known = fields.Select(f => f.Name).ToHashSet();
        foreach (var unknown in header.Where(name => !known.Contains(name)).Distinct())
            yield return $"Unknown column \"{unknown}\"";
        var present = columns.Select(c => c.Field).ToHashSet();
        foreach (var missing in fields.Where(f => f.Presence != EvChartPresence.Optional && !present.Contains(f)))
            yield return MissingColumn(missing);
    }

    private static string MissingColumn(EvChartField field) => $"Required column \"{field.Name}\" is missing";

    /// <summary>
    /// The official template has a row of data types (row 2) and a row of Required/Recommended (row 3) under
    /// its header; an upload may keep them.
    /// </summary>
    private static List<CsvRecord> WithoutTemplateRows(List<CsvRecord> rows) =>
        rows.Where(row => !(row.Row == 2 && row.Cells.All(DataTypeNote().IsMatch))
                          && !(row.Row == 3 && row.Cells.All(cell => cell is "Required" or "Recommended")))
            .ToList();

    [GeneratedRegex(@"^(String\(|Categorical ?String\(|DateTime|Decimal ?\(|Boolean|Integer\()")]
    private static partial Regex DataTypeNote();

    private static IEnumerable<string> ShapeProblems(CsvRecord row, int headerCells)
    {
        if (row.Cells.Count != headerCells)
            yield return $"row {row.Row}: has {row.Cells.Count} cells where the header has {headerCells}";
        if (row.HasUnclosedQuote)
            yield return $"row {row.Row}: a quoted cell is never closed";
    }

    private static string Cell(CsvRecord row, int index) => index < row.Cells.Count ? row.Cells[index] : "";

    private static string? CellProblem(EvChartField field, string value)
    {
        if (value.Length == 0)
            return field.Presence == EvChartPresence.Required ? MissingValue(field) : null;
        return field.Type switch
        {
            EvChartType.Text => TextProblem(field, value),
            EvChartType.DateTime => Timestamp(value) is null
                ? $"\"{field.Name}\" must be an RFC 3339 timestamp like 2024-01-31T13:45:00Z, without a UTC offset"
                : null,
            EvChartType.Decimal => DecimalProblem(field, value),
            EvChartType.Integer => IntegerProblem(field, value),
            EvChartType.Boolean => value.ToUpperInvariant() is "TRUE" or "FALSE" ? null : $"\"{field.Name}\" must be TRUE or FALSE",
            _ => throw new ArgumentOutOfRangeException(nameof(field), field.Type, "unknown EV-ChART type"),
        };
    }

    private static string MissingValue(EvChartField field) => $"Required value for \"{field.Name}\" is missing";

    private static string? TextProblem(EvChartField field, string value)
    {
        // EV-ChART's columns count characters, not UTF-16 units.
        if (field.MaxLength is { } max && value.EnumerateRunes().Count() > max)
            return $"\"{field.Name}\" is longer than {max} characters";
        if (field.Presence != EvChartPresence.Optional && string.IsNullOrWhiteSpace(value))
            return $"\"{field.Name}\" holds only whitespace";
        return null;
    }

    /// <summary>
    /// EV-ChART's timestamp: date, 'T', time with seconds, an optional fraction and an optional 'Z', a real
    /// calendar date and time of day, and no numeric offset. One without 'Z' is taken as UTC.
    /// </summary>
    private static DateTime? Timestamp(string value)
    {
        var match = TimestampShape().Match(value);
        return match.Success
               && DateTime.TryParseExact(match.Groups["seconds"].Value, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture,
                   DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var seconds)
            ? seconds.AddTicks(FractionTicks(match.Groups["fraction"].Value))
            : null;
    }

    private static long FractionTicks(string digits) =>
        digits.Length == 0 ? 0 : long.Parse(digits.PadRight(7, '0')[..7], CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?<seconds>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(\.(?<fraction>[0-9]+))?Z?\z")]
    private static partial Regex TimestampShape();

    private static string? DecimalProblem(EvChartField field, string value)
    {
        var match = DecimalShape().Match(value);
        if (!match.Success || !decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
                CultureInfo.InvariantCulture, out var number))
            return $"\"{field.Name}\" must be a decimal number";
        var whole = match.Groups["whole"].Length;
        var fraction = match.Groups["fraction"].Length;
        if (whole > field.Precision - field.Scale)
            return $"\"{field.Name}\" has more than {field.Precision - field.Scale} digits before the decimal point";
        if (fraction > field.Scale)
            return $"\"{field.Name}\" has more than {field.Scale} decimal places";
        return RangeProblem(field, number);
    }

    // Leading zeros count as digits, as EV-ChART counts them.
    [GeneratedRegex(@"^[+-]?(?<whole>[0-9]+)(\.(?<fraction>[0-9]+))?\z")]
    private static partial Regex DecimalShape();

    private static string? IntegerProblem(EvChartField field, string value) =>
        IntegerShape().IsMatch(value) && decimal.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? RangeProblem(field, number)
            : $"\"{field.Name}\" must be a whole number";

    [GeneratedRegex(@"^[+-]?[0-9]+\z")]
    private static partial Regex IntegerShape();

    private static string? RangeProblem(EvChartField field, decimal number) =>
        field.Min is { } min && number < min ? $"\"{field.Name}\" is below its minimum {min.ToString(CultureInfo.InvariantCulture)}"
        : field.Max is { } max && number > max ? $"\"{field.Name}\" is above its maximum {max.ToString(CultureInfo.InvariantCulture)}"
        : null;

    private static IEnumerable<string> RowRuleProblems(NeviModule module, CsvRecord row, List<(EvChartField Field, int Index)> columns) =>
        module switch
        {
            NeviModule.ChargingSessions => SessionRowProblems(row, columns),
            NeviModule.Outages => OutageRowProblems(row, columns),
            _ => [],
        };

    /// <summary>
    /// A module 2 row either reports a session, every required cell filled, or states that the port had no
    /// session: everything but station_id, network_provider and port_id empty. A row in between is refused.
    /// </summary>
    private static IEnumerable<string> SessionRowProblems(CsvRecord row, List<(EvChartField Field, int Index)> columns)
    {
        EvChartField[] identifying = [EvChartFields.StationId, EvChartFields.NetworkProvider, EvChartFields.PortId];
        var statesNoSession = row.Cells
            .Where((_, index) => !columns.Any(c => c.Index == index && identifying.Contains(c.Field)))
            .All(cell => cell.Length == 0);
        if (statesNoSession)
            return [];
        return columns
            .Where(c => c.Field.Presence == EvChartPresence.RequiredEmptyAllowed && Cell(row, c.Index).Length == 0)
            .Select(c => MissingValue(c.Field));
    }

    /// <summary>A module 4 row has an outage's start and duration, or neither (the port had no outage).</summary>
    private static IEnumerable<string> OutageRowProblems(CsvRecord row, List<(EvChartField Field, int Index)> columns)
    {
        var pair = columns.Where(c => c.Field == EvChartFields.OutageId || c.Field == EvChartFields.OutageDuration).ToList();
        var empty = pair.Where(c => Cell(row, c.Index).Length == 0).ToList();
        return pair.Count == 2 && empty.Count == 1 ? [MissingValue(empty[0].Field)] : [];
    }

    /// <summary>
    /// Rows whose key repeats an earlier row's. Timestamps compare as instants ("…00Z" and "…00.0" are the
    /// same); "no data" rows, whose session or outage id EV-ChART fills in, count once per port.
    /// </summary>
    private static IEnumerable<string> RepeatedKeys(NeviModule module, List<CsvRecord> rows, List<(EvChartField Field, int Index)> columns)
    {
        var key = EvChartFields.UniqueKey(module);
        var keyColumns = key.Select(field => columns.FirstOrDefault(c => c.Field == field)).ToList();
        if (keyColumns.Any(c => c.Field is null))
            yield break;

        var firstRowOf = new Dictionary<string, int>();
        foreach (var row in rows)
        {
            var values = string.Join('\u001f', keyColumns.Select(c => KeyValue(c.Field, Cell(row, c.Index))));
            if (firstRowOf.TryGetValue(values, out var first))
                yield return $"row {row.Row}: repeats row {first}'s {string.Join(", ", key.Select(f => f.Name))}";
            else
                firstRowOf[values] = row.Row;
        }
    }

    private static string KeyValue(EvChartField field, string cell) =>
        field.Type == EvChartType.DateTime && Timestamp(cell) is { } instant
            ? instant.Ticks.ToString(CultureInfo.InvariantCulture)
            : cell;
}
