package catalog

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// fuzzRegister is a small real register: the Lviv demo's providers, life
// situations and centres with its first two services.
func fuzzRegister(f *testing.F) Register {
	f.Helper()
	raw, err := os.ReadFile("../../demo/lviv/register.json")
	if err != nil {
		f.Fatal(err)
	}
	reg, err := ReadRegister(bytes.NewReader(raw))
	if err != nil {
		f.Fatal(err)
	}
	reg.Services = reg.Services[:2]
	return reg
}

// FuzzDecodeRegister imports any services.json: it is refused as
// malformed, or it decodes to a register that writes (WriteRegister, the
// format people edit) and reads back to itself, and whose checks say the
// same of the copy as of the original.
func FuzzDecodeRegister(f *testing.F) {
	reg := fuzzRegister(f)
	var b bytes.Buffer
	if err := WriteRegister(&b, reg); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte(`{"schema": "` + ServicesSchema + `", "providers": [], "services": [{"code": "X-1", "provider": "p", "fee": {"amount_kopecks": -1}}]}`))
	f.Add([]byte(`{"schema": "` + ServicesSchema + `", "typo": 1}`))
	f.Add([]byte(`{"schema": "other"}`))
	f.Add([]byte(`{"schema": "` + ServicesSchema + `"} {}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := DecodeRegister(bytes.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrMalformedRegister) {
				t.Fatalf("refused without ErrMalformedRegister: %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := WriteRegister(&out, got); err != nil {
			t.Fatalf("a decoded register does not write: %v", err)
		}
		again, err := DecodeRegister(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("a written register does not decode: %v\n%s", err, out.Bytes())
		}
		if !reflect.DeepEqual(got, again) {
			t.Fatalf("the register changed on the way through WriteRegister:\n%+v\n%+v", got, again)
		}
		if (len(registerProblems(got, nil)) == 0) != (len(registerProblems(again, nil)) == 0) {
			t.Fatal("the checks judge the copy differently")
		}
	})
}

// FuzzDecodeRegisterCSV imports any services.csv: refused as malformed, or
// every amount is a real, non-negative number of kopecks below a billion
// hryvnias, and the services write back (writeOpenCSV, the open data's
// CSV) to a file that decodes to the same services.
func FuzzDecodeRegisterCSV(f *testing.F) {
	reg := fuzzRegister(f)
	var items []openService
	for _, s := range reg.Services {
		items = append(items, openService{Content: s.Content, Provider: s.Provider})
	}
	var b bytes.Buffer
	if err := writeOpenCSV(&b, items); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	head := strings.Join(CSVHeader, ",") + "\n"
	for _, row := range []string{
		"LV-9,Назва,Name,lviv-cnap,фізичні особи,10,true,false,25.74,,,,,онлайн,,,,,,",
		"LV-9,Назва,,p,,x,true,false,,,,,,,,,,,,",
		"LV-9,Назва,,p,,1,true,false,NaN,,,,,,,,,,,",
		"LV-9,Назва,,p,,1,true,false,1e300,,,,,,,,,,,",
		"LV-9,Назва,,p,,1,true,false,-5,,,,,,,,,,,",
		"LV-9,\"Назва, з комою\",,p,,1,true,true,,,,,,a | b,,,,,,",
	} {
		f.Add([]byte(head + row + "\n"))
	}
	f.Add([]byte("\ufeff" + head))
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := DecodeRegisterCSV(bytes.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrMalformedRegister) {
				t.Fatalf("refused without ErrMalformedRegister: %v", err)
			}
			return
		}
		items := make([]openService, 0, len(got.Services))
		for _, s := range got.Services {
			if k := s.Content.Fee.AmountKopecks; k < 0 || k >= 1e11 {
				t.Fatalf("service %q: amount %d kopecks", s.Content.Code, k)
			}
			items = append(items, openService{Content: s.Content, Provider: s.Provider})
		}
		var out bytes.Buffer
		if err := writeOpenCSV(&out, items); err != nil {
			t.Fatal(err)
		}
		again, err := DecodeRegisterCSV(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("written back, the CSV does not decode: %v\n%s", err, out.Bytes())
		}
		for i := range got.Services {
			if got.Services[i].Content.Fee.Free {
				got.Services[i].Content.Fee.AmountKopecks = 0 // a free service's amount is not written
			}
		}
		if !reflect.DeepEqual(got, again) {
			t.Fatalf("the services changed on the way back:\n%+v\n%+v", got.Services, again.Services)
		}
	})
}
