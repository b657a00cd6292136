package simulator

import (
	"hromada/demo"
	"hromada/modules/devidp"
	"hromada/modules/registries"
)

// The settlements of the demo: the demo cities' codes in the codifier of
// administrative units (КАТОТТГ), from their city.json; tests compare the
// registries' answers with them.
var (
	KATOTTGKyiv = demo.MustKATOTTG("kyiv")
	KATOTTGLviv = demo.MustKATOTTG("lviv")
)

// person is what the demo registries know of one persona.
type person struct {
	residence registries.ResidenceRecord
	vehicles  []registries.Vehicle
	benefits  registries.BenefitsRecord
	plots     []registries.LandPlot
}

// people is the demo registries' data (the demo folder's
// registries/people.json, by persona id) keyed by the personas' РНОКПП
// (devidp.Personas), each plot owned by its persona, so the data follow the
// personas.
func people() map[string]*person {
	byPersona := map[string]demo.Person{}
	for _, d := range demo.MustRegistries().People {
		byPersona[d.Persona] = d
	}
	out := map[string]*person{}
	for _, p := range devidp.Personas {
		d, ok := byPersona[p.ID]
		if !ok {
			continue
		}
		plots := make([]registries.LandPlot, len(d.Plots))
		for i, pl := range d.Plots {
			plots[i] = registries.LandPlot{CadastralNumber: pl.CadastralNumber, AreaHa: pl.AreaHa, Purpose: pl.Purpose, OwnerRNOKPP: p.RNOKPP}
		}
		out[p.RNOKPP] = &person{residence: d.Residence, vehicles: d.Vehicles, benefits: d.Benefits, plots: plots}
	}
	return out
}
