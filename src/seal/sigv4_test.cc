// SigV4 against AWS's published Signature Version 4 test suite (the "aws-sig-v4-test-suite"
// cases: AKIDEXAMPLE, 20150830T123600Z, us-east-1, service "service"). For each case the
// canonical request, the string to sign and the Authorization header are the suite's.
#include "seal/sigv4.h"

#include <gtest/gtest.h>

#include <functional>

namespace arca::seal {
namespace {

constexpr const char* kAccessKey = "AKIDEXAMPLE";
constexpr const char* kSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kDate = "20150830T123600Z";
constexpr const char* kSessionToken =
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPf"
    "IeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7"
    "WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8"
    "FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

struct SuiteCase {
  const char* name;
  const char* method;
  const char* path;
  const char* query;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host and X-Amz-Date
  const char* payload;
  const char* canonical_request;
  const char* canonical_request_sha256;  // last line of the string to sign
  const char* signature;
  const char* signed_headers;
  bool session_token;
  bool token_signed;
};

const std::vector<SuiteCase>& Cases() {
  static const std::vector<SuiteCase> cases = {
      {"get-vanilla",
       "GET",
       "/",
       "",
       {},
       "",
       "GET\n/"
       "\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
       "host;x-amz-date",
       false,
       true},
      {"get-vanilla-query",
       "GET",
       "/",
       "",
       {},
       "",
       "GET\n/"
       "\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
       "host;x-amz-date",
       false,
       true},
      {"get-vanilla-empty-query-key",
       "GET",
       "/",
       "Param1=value1",
       {},
       "",
       "GET\n/"
       "\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab",
       "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
       "host;x-amz-date",
       false,
       true},
      {"get-vanilla-query-order-key",
       "GET",
       "/",
       "Param1=value2&Param1=Value1",
       {},
       "",
       "GET\n/"
       "\nParam1=Value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:"
       "20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89",
       "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1",
       "host;x-amz-date",
       false,
       true},
      {"get-vanilla-query-order-key-case",
       "GET",
       "/",
       "Param2=value2&Param1=value1",
       {},
       "",
       "GET\n/"
       "\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:"
       "20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
       "host;x-amz-date",
       false,
       true},
      {"get-vanilla-query-order-value",
       "GET",
       "/",
       "Param1=value2&Param1=value1",
       {},
       "",
       "GET\n/"
       "\nParam1=value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:"
       "20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "c968629d70850097a2d8781c9bf7edcb988b04cac14cca9be4acc3595f884606",
       "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694",
       "host;x-amz-date",
       false,
       true},
      {"get-vanilla-query-unreserved",
       "GET",
       "/",
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~"
       "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       {},
       "",
       "GET\n/"
       "\n-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~"
       "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\nhost:example.amazonaws."
       "com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
       "host;x-amz-date",
       false,
       true},
      {"get-vanilla-utf8-query",
       "GET",
       "/",
       "\xE1\x88\xB4=bar",
       {},
       "",
       "GET\n/"
       "\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
       "host;x-amz-date",
       false,
       true},
      {"get-unreserved",
       "GET",
       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       "",
       {},
       "",
       "GET\n/"
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\nhost:example."
       "amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
       "host;x-amz-date",
       false,
       true},
      {"get-utf8",
       "GET",
       "/\xE1\x88\xB4",
       "",
       {},
       "",
       "GET\n/"
       "%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
       "host;x-amz-date",
       false,
       true},
      {"get-header-key-duplicate",
       "GET",
       "/",
       "",
       {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
       "",
       "GET\n/"
       "\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:"
       "20150830T123600Z\n\nhost;my-header1;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
       "host;my-header1;x-amz-date",
       false,
       true},
      {"get-header-value-order",
       "GET",
       "/",
       "",
       {{"My-Header1", "value4"},
        {"My-Header1", "value1"},
        {"My-Header1", "value3"},
        {"My-Header1", "value2"}},
       "",
       "GET\n/"
       "\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\nx-amz-date:"
       "20150830T123600Z\n\nhost;my-header1;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86",
       "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
       "host;my-header1;x-amz-date",
       false,
       true},
      {"get-header-value-trim",
       "GET",
       "/",
       "",
       {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
       "",
       "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b "
       "c\"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
       "host;my-header1;my-header2;x-amz-date",
       false,
       true},
      {"post-vanilla",
       "POST",
       "/",
       "",
       {},
       "",
       "POST\n/"
       "\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
       "host;x-amz-date",
       false,
       true},
      {"post-vanilla-query",
       "POST",
       "/",
       "Param1=value1",
       {},
       "",
       "POST\n/"
       "\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
       "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
       "host;x-amz-date",
       false,
       true},
      {"post-header-key-case",
       "POST",
       "/",
       "",
       {},
       "",
       "POST\n/"
       "\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
       "host;x-amz-date",
       false,
       true},
      {"post-header-key-sort",
       "POST",
       "/",
       "",
       {{"My-Header1", "value1"}},
       "",
       "POST\n/"
       "\n\nhost:example.amazonaws.com\nmy-header1:value1\nx-amz-date:20150830T123600Z\n\nhost;my-"
       "header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65",
       "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
       "host;my-header1;x-amz-date",
       false,
       true},
      {"post-header-value-case",
       "POST",
       "/",
       "",
       {{"My-Header1", "VALUE1"}},
       "",
       "POST\n/"
       "\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n\nhost;my-"
       "header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93",
       "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
       "host;my-header1;x-amz-date",
       false,
       true},
      {"post-x-www-form-urlencoded",
       "POST",
       "/",
       "",
       {{"Content-Type", "application/x-www-form-urlencoded"}},
       "Param1=value1",
       "POST\n/\n\ncontent-type:application/"
       "x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-"
       "type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
       "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
       "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
       "content-type;host;x-amz-date",
       false,
       true},
      {"post-x-www-form-urlencoded-parameters",
       "POST",
       "/",
       "",
       {{"Content-Type", "application/x-www-form-urlencoded; charset=utf8"}},
       "Param1=value1",
       "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; "
       "charset=utf8\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;"
       "x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
       "2e1cf7ed91881a30569e46552437e4156c823447bf1781b921b5d486c568dd1c",
       "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe",
       "content-type;host;x-amz-date",
       false,
       true},
      {"post-sts-header-before",
       "POST",
       "/",
       "",
       {},
       "",
       "POST\n/"
       "\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:"
       "AQoDYXdzEPT//////////"
       "wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwt"
       "hAx7mSEI/qkPpKPi/"
       "kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQc"
       "HNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+"
       "scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/"
       "oLxBA==\n\nhost;x-amz-date;x-amz-security-"
       "token\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
       "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
       "host;x-amz-date;x-amz-security-token",
       true,
       true},
      {"post-sts-header-after",
       "POST",
       "/",
       "",
       {},
       "",
       "POST\n/"
       "\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
       "host;x-amz-date",
       true,
       false},
      {"normalize-path/get-relative",
       "GET",
       "/example/..",
       "",
       {},
       "",
       "GET\n/"
       "\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
       "host;x-amz-date",
       false,
       true},
      {"normalize-path/get-relative-relative",
       "GET",
       "/example1/example2/../..",
       "",
       {},
       "",
       "GET\n/"
       "\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
       "host;x-amz-date",
       false,
       true},
      {"normalize-path/get-slash",
       "GET",
       "//",
       "",
       {},
       "",
       "GET\n/"
       "\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
       "host;x-amz-date",
       false,
       true},
      {"normalize-path/get-slash-dot-slash",
       "GET",
       "/./",
       "",
       {},
       "",
       "GET\n/"
       "\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
       "host;x-amz-date",
       false,
       true},
      {"normalize-path/get-slash-pointless-dot",
       "GET",
       "/./example",
       "",
       {},
       "",
       "GET\n/"
       "example\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "214d50c111a8edc4819da6a636336472c916b5240f51e9a51b5c3305180cf702",
       "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5",
       "host;x-amz-date",
       false,
       true},
      {"normalize-path/get-slashes",
       "GET",
       "//example//",
       "",
       {},
       "",
       "GET\n/example/"
       "\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "cb96b4ac96d501f7c5c15bc6d67b3035061cfced4af6585ad927f7e6c985c015",
       "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
       "host;x-amz-date",
       false,
       true},
      {"normalize-path/get-space",
       "GET",
       "/example space/",
       "",
       {},
       "",
       "GET\n/example%20space/"
       "\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
       "date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
       "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
       "host;x-amz-date",
       false,
       true},
  };
  return cases;
}

AwsCredentials SuiteCredentials(bool with_token) {
  AwsCredentials c;
  c.access_key_id = kAccessKey;
  c.secret_access_key = SecureBytes::FromString(kSecretKey);
  if (with_token) c.session_token = kSessionToken;
  return c;
}

SigV4Options SuiteOptions() {
  SigV4Options o;
  o.region = "us-east-1";
  o.service = "service";
  o.amz_date = kDate;
  return o;
}

std::string HeaderValue(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "<absent>";
}

TEST(SigV4SuiteTest, CanonicalRequestStringToSignAndAuthorization) {
  for (const SuiteCase& c : Cases()) {
    SCOPED_TRACE(c.name);
    SigV4Request req;
    req.method = c.method;
    req.path = c.path;
    req.query = c.query;
    req.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", kDate}};
    for (const auto& h : c.headers) req.headers.push_back(h);
    req.payload = c.payload;
    SigV4Options opts = SuiteOptions();
    opts.sign_security_token = c.token_signed;
    auto sig = SignV4(req, SuiteCredentials(c.session_token), opts);
    ASSERT_TRUE(sig.has_value()) << sig.error().ToString();
    EXPECT_EQ(sig->canonical_request, c.canonical_request);
    EXPECT_EQ(sig->string_to_sign, std::string("AWS4-HMAC-SHA256\n20150830T123600Z\n"
                                               "20150830/us-east-1/service/aws4_request\n") +
                                       c.canonical_request_sha256);
    EXPECT_EQ(sig->signed_headers, c.signed_headers);
    EXPECT_EQ(sig->signature, c.signature);
    EXPECT_EQ(sig->authorization,
              std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                          "aws4_request, SignedHeaders=") +
                  c.signed_headers + ", Signature=" + c.signature);
    EXPECT_EQ(HeaderValue(sig->added_headers, "Authorization"), sig->authorization);
    // The request carried X-Amz-Date already: it is not added a second time.
    EXPECT_EQ(HeaderValue(sig->added_headers, "X-Amz-Date"), "<absent>");
    EXPECT_EQ(HeaderValue(sig->added_headers, "X-Amz-Security-Token"),
              c.session_token ? kSessionToken : "<absent>");
  }
}

TEST(SigV4Test, AddsXAmzDateWhenTheRequestHasNone) {
  SigV4Request req;
  req.method = "GET";
  req.headers = {{"Host", "example.amazonaws.com"}};
  auto sig = SignV4(req, SuiteCredentials(false), SuiteOptions());
  ASSERT_TRUE(sig.has_value()) << sig.error().ToString();
  EXPECT_EQ(sig->signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(HeaderValue(sig->added_headers, "X-Amz-Date"), kDate);
}

TEST(SigV4Test, ContentSha256HeaderIsSentAndSigned) {
  SigV4Request req;
  req.method = "POST";
  req.headers = {{"Host", "example.amazonaws.com"}};
  req.payload = "Param1=value1";
  SigV4Options opts = SuiteOptions();
  opts.add_content_sha256 = true;
  auto sig = SignV4(req, SuiteCredentials(false), opts);
  ASSERT_TRUE(sig.has_value());
  const std::string hash = "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e";
  EXPECT_EQ(HeaderValue(sig->added_headers, "X-Amz-Content-Sha256"), hash);
  EXPECT_EQ(sig->signed_headers, "host;x-amz-content-sha256;x-amz-date");
  EXPECT_NE(sig->canonical_request.find("x-amz-content-sha256:" + hash + "\n"), std::string::npos);
}

TEST(SigV4Test, AnotherSecretGivesAnotherSignature) {
  SigV4Request req;
  req.method = "GET";
  req.headers = {{"Host", "example.amazonaws.com"}};
  AwsCredentials other = SuiteCredentials(false);
  other.secret_access_key = SecureBytes::FromString("not-the-example-key");
  auto a = SignV4(req, SuiteCredentials(false), SuiteOptions());
  auto b = SignV4(req, other, SuiteOptions());
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(a->canonical_request, b->canonical_request);
  EXPECT_NE(a->signature, b->signature);
}

TEST(SigV4Test, BadInputIsRefused) {
  SigV4Request req;
  req.method = "GET";
  req.headers = {{"Host", "example.amazonaws.com"}};
  struct Bad {
    const char* what;
    std::function<void(SigV4Request&, AwsCredentials&, SigV4Options&)> mutate;
    const char* message_part;
  };
  const std::vector<Bad> bad = {
      {"no access key", [](auto&, auto& c, auto&) { c.access_key_id.clear(); }, "access key"},
      {"no secret", [](auto&, auto& c, auto&) { c.secret_access_key = SecureBytes(); },
       "secret key"},
      {"empty region", [](auto&, auto&, auto& o) { o.region.clear(); }, "region"},
      {"region with slash", [](auto&, auto&, auto& o) { o.region = "us/east"; }, "region"},
      {"empty service", [](auto&, auto&, auto& o) { o.service.clear(); }, "service"},
      {"bad date", [](auto&, auto&, auto& o) { o.amz_date = "2015-08-30T12:36:00Z"; },
       "X-Amz-Date"},
      {"no host", [](auto& r, auto&, auto&) { r.headers.clear(); }, "Host"},
      {"header injection",
       [](auto& r, auto&, auto&) { r.headers.emplace_back("X-Evil", "a\r\nInjected: b"); },
       "invalid HTTP header"},
      {"date header differs",
       [](auto& r, auto&, auto&) { r.headers.emplace_back("X-Amz-Date", "20200101T000000Z"); },
       "X-Amz-Date"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.what);
    SigV4Request r = req;
    AwsCredentials c = SuiteCredentials(false);
    SigV4Options o = SuiteOptions();
    b.mutate(r, c, o);
    auto sig = SignV4(r, c, o);
    ASSERT_FALSE(sig.has_value());
    EXPECT_EQ(sig.error().kind(), ErrorKind::kInvalidRequest);
    EXPECT_NE(sig.error().message().find(b.message_part), std::string::npos)
        << sig.error().message();
  }
}

TEST(SigV4Test, AmzDateFormatsUtc) {
  // 2015-08-30T12:36:00Z = 1440938160 s after the epoch.
  auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1440938160));
  EXPECT_EQ(AmzDate(t), "20150830T123600Z");
}

TEST(SigV4Test, CanonicalQueryDecodesBeforeEncoding) {
  EXPECT_EQ(CanonicalQuery("b=%7e&a=x%20y&c"), "a=x%20y&b=~&c=");
  EXPECT_EQ(CanonicalQuery(""), "");
  EXPECT_EQ(CanonicalUri(""), "/");
  EXPECT_EQ(CanonicalUri("/a/b/../c/./d"), "/a/c/d");
}

}  // namespace
}  // namespace arca::seal
