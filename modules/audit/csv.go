package audit

import (
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	"hromada/tenant"
)

// csvHeader names the columns of WriteCSV, for the auditor, in Ukrainian.
var csvHeader = []string{
	"№", "Час (Київ)", "Ідентифікатор особи", "Особа", "Роль", "Дія",
	"Тип об’єкта", "Ідентифікатор об’єкта", "Результат", "IP-адреса",
	"Програма (User-Agent)", "Ідентифікатор запиту", "Подробиці", "Хеш",
}

var resultNames = map[Result]string{
	ResultOK:     "успішно",
	ResultDenied: "відмовлено",
	ResultError:  "помилка",
}

// The separators of WriteCSV: a comma (the default, what most tools
// expect) or a semicolon, which Excel with Ukrainian regional settings
// takes as its list separator (the comma is the decimal mark there), so the
// file opens in columns with a double click.
const (
	Comma     = ','
	Semicolon = ';'
)

// WriteCSV writes rows as CSV for a spreadsheet, its cells separated by
// comma (Comma or Semicolon): UTF-8 with a byte order mark (so Excel reads
// Cyrillic right, with either separator), CRLF line ends, a header row in
// Ukrainian, times in Kyiv's time zone. A refused request the denied
// filter found (Row.Security) has no № and no hash: it is not in the chain. A cell that a spreadsheet would take
// for a formula (one starting with = + - @, a tab or a carriage return) is
// prefixed with an apostrophe: the log holds text from anyone, such as user
// agents and attempted logins.
func WriteCSV(w io.Writer, rows []Row, comma rune) error {
	if comma != Comma && comma != Semicolon {
		return fmt.Errorf("audit: csv: separator %q is neither a comma nor a semicolon", comma)
	}
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma, cw.UseCRLF = comma, true
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	rec := make([]string, len(csvHeader))
	for _, r := range rows {
		details := "{}"
		if len(r.Details) > 0 {
			raw, err := json.Marshal(r.Details)
			if err != nil {
				return fmt.Errorf("audit: csv: row %s: %w", r.Ref(), err)
			}
			details = string(raw)
		}
		result, ok := resultNames[r.Result]
		if !ok {
			result = string(r.Result)
		}
		rec = append(rec[:0],
			r.Ref(), // "" for a refused request: not in a chain
			r.At.In(tenant.Zone).Format("2006-01-02 15:04:05"),
			r.Actor.ID, r.Actor.Name, r.Actor.Role, r.Action,
			r.ObjectType, r.ObjectID, result, r.Request.IP,
			r.Request.UserAgent, r.Request.RequestID, details,
			hex.EncodeToString(r.Hash),
		)
		for i := range rec {
			rec[i] = defuseFormula(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// defuseFormula prefixes with an apostrophe a cell that a spreadsheet would
// evaluate (OWASP's CSV injection advice).
func defuseFormula(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
