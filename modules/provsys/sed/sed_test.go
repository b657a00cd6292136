package sed_test

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/provsys/sed"
)

// TestSEDEnvelope: an envelope written and read back is the same; its
// files travel as base64 in the XML; what is not an envelope of the
// format (another standard, no id, a notice without its Acknowledgement,
// a registration without its number, a document without files) is
// refused.
func TestSEDEnvelope(t *testing.T) {
	t.Parallel()
	h := &sed.Header{Time: "2026-12-06T01:02:03Z", MsgType: sed.TypeDocument, MsgID: "m-1", MsgAcknow: sed.AckRegistration,
		FromOrganization: "Київська міська рада", FromSysID: "hromada:kyiv", ToOrgID: "37261172", ToOrganization: "Надавач А",
		Document:     &sed.Document{IDNumber: "d-1", Type: 1, Kind: "Заява", RegNumber: sed.RegNumber{Number: "2026-000001", RegDate: "2026-12-06"}},
		DocTransfers: []sed.DocTransfer{{IDNumber: "application", Type: "json", Description: "Заява", Content: []byte(`{"a":"б <&>"}`)}}}
	x, err := sed.Marshal(h)
	require.NoError(t, err)
	require.Contains(t, string(x), `standart="1207"`)
	require.Contains(t, string(x), base64.StdEncoding.EncodeToString([]byte(`{"a":"б <&>"}`)))
	back, err := sed.Parse(x)
	require.NoError(t, err)
	require.Equal(t, h.MsgID, back.MsgID)
	require.Equal(t, h.Document.RegNumber, back.Document.RegNumber)
	require.Equal(t, []byte(`{"a":"б <&>"}`), back.DocTransfers[0].Content)
	require.Equal(t, sed.Version, back.Version)

	for name, bad := range map[string]string{
		"AnotherStandard": `<Header standart="999" version="1.5" time="2026-12-06T01:02:03Z" msg_type="0" msg_id="x" from_sys_id="s" from_organization="o" to_organization="p"><Acknowledgement msg_id="m" ack_type="1"><AckResult errorcode="0"></AckResult></Acknowledgement></Header>`,
		"NoID":            `<Header standart="1207" version="1.5" time="2026-12-06T01:02:03Z" msg_type="0" msg_id="" from_sys_id="s" from_organization="o" to_organization="p"><Acknowledgement msg_id="m" ack_type="1"><AckResult errorcode="0"></AckResult></Acknowledgement></Header>`,
		"NoticeWithout":   `<Header standart="1207" version="1.5" time="2026-12-06T01:02:03Z" msg_type="0" msg_id="x" from_sys_id="s" from_organization="o" to_organization="p"></Header>`,
		"RegNoNumber":     `<Header standart="1207" version="1.5" time="2026-12-06T01:02:03Z" msg_type="0" msg_id="x" from_sys_id="s" from_organization="o" to_organization="p"><Acknowledgement msg_id="m" ack_type="2"><AckResult errorcode="0"></AckResult></Acknowledgement></Header>`,
		"DocNoFiles":      `<Header standart="1207" version="1.5" time="2026-12-06T01:02:03Z" msg_type="1" msg_id="x" from_sys_id="s" from_organization="o" to_organization="p"><Document idnumber="d" type="1" kind="Лист"><RegNumber regdate="2026-12-06">1</RegNumber><Confident flag="0"></Confident></Document></Header>`,
		"BadTime":         `<Header standart="1207" version="1.5" time="вчора" msg_type="0" msg_id="x" from_sys_id="s" from_organization="o" to_organization="p"><Acknowledgement msg_id="m" ack_type="1"><AckResult errorcode="0"></AckResult></Acknowledgement></Header>`,
		"NotXML":          `{"header": {}}`,
	} {
		_, err := sed.Parse([]byte(bad))
		require.ErrorIs(t, err, sed.ErrFormat, name)
	}
}
