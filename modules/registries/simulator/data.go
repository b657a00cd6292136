package simulator

import (
	"hromada/modules/devidp"
	"hromada/modules/registries"
)

// The settlements of the demo: the cities' codes in the codifier of
// administrative units (КАТОТТГ).
const (
	KATOTTGKyiv = "UA80000000000093317"
	KATOTTGLviv = "UA46060250010015970"
)

// person is what the demo registries know of one persona.
type person struct {
	residence registries.ResidenceRecord
	vehicles  []registries.Vehicle
	benefits  registries.BenefitsRecord
	plots     []registries.LandPlot
}

// demoPeople is the demo registries' data, by persona id (devidp.Personas);
// people() keys it by the personas' РНОКПП, so the data follow the
// personas. Addresses use real street names with made-up numbers; the
// household members, their РНОКПП (valid check digits, real birth dates),
// plates and cadastral numbers are made up.
var demoPeople = map[string]person{
	"resident": { // Шевченко Олена Петрівна: a mother of three in Kyiv
		residence: residence("м. Київ, вул. Січових Стрільців, 21, кв. 14", KATOTTGKyiv, "2016-08-09",
			registries.Member{RNOKPP: "4104812317", Name: "Шевченко Максим Андрійович", Relation: "син"},
			registries.Member{RNOKPP: "4224912301", Name: "Шевченко Дарина Андріївна", Relation: "дочка"},
			registries.Member{RNOKPP: "4350612318", Name: "Шевченко Іван Андрійович", Relation: "син"}),
		vehicles: []registries.Vehicle{{Plate: "AA4821KM", Make: "Škoda Octavia", Year: 2017}},
		benefits: registries.BenefitsRecord{Categories: []string{"large_family"}, Since: "2019-03-01"},
		plots: []registries.LandPlot{{CadastralNumber: "8000000000:75:123:0045", AreaHa: 0.1,
			Purpose: "02.01 Для будівництва і обслуговування житлового будинку, господарських будівель і споруд (присадибна ділянка)"}},
	},
	"legal_rep": { // Коваленко Андрій Миколайович
		residence: residence("м. Київ, просп. Берестейський, 42, кв. 7", KATOTTGKyiv, "2009-04-17",
			registries.Member{RNOKPP: "2977412303", Name: "Коваленко Ірина Сергіївна", Relation: "дружина"},
			registries.Member{RNOKPP: "4051112308", Name: "Коваленко Анна Андріївна", Relation: "дочка"}),
		vehicles: []registries.Vehicle{
			{Plate: "KA0777AH", Make: "Toyota RAV4", Year: 2021},
			{Plate: "AA3300CE", Make: "Volkswagen Transporter", Year: 2015},
		},
		plots: []registries.LandPlot{{CadastralNumber: "8000000000:82:301:0017", AreaHa: 0.25,
			Purpose: "03.07 Для будівництва та обслуговування будівель торгівлі"}},
	},
	"provider_head": { // Бондаренко Ірина Василівна
		residence: residence("м. Київ, вул. Велика Васильківська, 100, кв. 31", KATOTTGKyiv, "2001-10-02"),
	},
	"official-dcnap": { // Мельник Тарас Олегович
		residence: residence("м. Київ, вул. Антоновича, 48, кв. 5", KATOTTGKyiv, "2018-03-15"),
	},
	"official-transport": { // Ткаченко Наталія Іванівна
		residence: residence("м. Київ, вул. Лук’янівська, 9, кв. 88", KATOTTGKyiv, "2012-06-21"),
		vehicles:  []registries.Vehicle{{Plate: "AA9012TT", Make: "Renault Megane", Year: 2012}},
	},
	"administrator": { // Кравченко Сергій Анатолійович
		residence: residence("м. Київ, вул. Героїв Дніпра, 31, кв. 120", KATOTTGKyiv, "2010-02-03"),
		benefits:  registries.BenefitsRecord{Categories: []string{"idp"}, Since: "2022-04-11"},
	},
	"dispatcher": { // Олійник Марія Степанівна
		residence: residence("м. Київ, вул. Ярославська, 6, кв. 2", KATOTTGKyiv, "2019-11-28"),
	},
	"owner": { // Савченко Віктор Богданович: a combatant with two plots
		residence: residence("м. Київ, вул. Миколи Амосова, 12, кв. 54", KATOTTGKyiv, "1998-05-14"),
		vehicles:  []registries.Vehicle{{Plate: "AI5151BB", Make: "Mitsubishi Outlander", Year: 2019}},
		benefits:  registries.BenefitsRecord{Categories: []string{"combatant"}, Since: "2015-06-12"},
		plots: []registries.LandPlot{
			{CadastralNumber: "8000000000:90:015:0102", AreaHa: 0.06, Purpose: "01.05 Для індивідуального садівництва"},
			{CadastralNumber: "3222484000:03:002:5011", AreaHa: 2, Purpose: "01.03 Для ведення особистого селянського господарства"},
		},
	},
	"auditor": { // Бойко Оксана Юріївна: lives in Lviv
		residence: residence("м. Львів, вул. Городоцька, 120, кв. 3", KATOTTGLviv, "2014-09-01",
			registries.Member{RNOKPP: "3143612318", Name: "Бойко Олег Ігорович", Relation: "чоловік"}),
		vehicles: []registries.Vehicle{{Plate: "BC5510HM", Make: "Hyundai Tucson", Year: 2019}},
		benefits: registries.BenefitsRecord{Categories: []string{"disability_3"}, Since: "2020-01-15"},
		plots: []registries.LandPlot{{CadastralNumber: "4610136800:01:004:0021", AreaHa: 0.08,
			Purpose: "02.01 Для будівництва і обслуговування житлового будинку, господарських будівель і споруд (присадибна ділянка)"}},
	},
	"operator": { // Лисенко Дмитро Романович: lives in Lviv
		residence: residence("м. Львів, вул. Наукова, 7, кв. 19", KATOTTGLviv, "2017-07-07"),
	},
}

func residence(address, katottg, since string, household ...registries.Member) registries.ResidenceRecord {
	if household == nil {
		household = []registries.Member{}
	}
	return registries.ResidenceRecord{Registered: true, Address: address, KATOTTG: katottg, Since: since, Household: household}
}

// people is demoPeople by the personas' РНОКПП, each plot owned by its
// persona.
func people() map[string]*person {
	out := map[string]*person{}
	for _, p := range devidp.Personas {
		d, ok := demoPeople[p.ID]
		if !ok {
			continue
		}
		plots := make([]registries.LandPlot, len(d.plots))
		for i, pl := range d.plots {
			pl.OwnerRNOKPP = p.RNOKPP
			plots[i] = pl
		}
		d.plots = plots
		out[p.RNOKPP] = &d
	}
	return out
}
