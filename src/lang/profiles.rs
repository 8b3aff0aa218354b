//! Trigram profiles and alphabets of the candidate languages, generated
//! by scripts/lang_profiles.py from whatlang 0.18.0 (MIT), whose profiles
//! derive from franc's (the Universal Declaration of Human Rights). Each
//! profile is 300 trigrams of 3 characters, most frequent first.

/// (ISO 639-1 code, Cyrillic script, trigrams, alphabet).
pub(super) const PROFILES: &[(&str, bool, &str, &str)] = &[
    (
        "en",
        false,
        " ththe anhe nd andion ofof tio toto on  inal atiighghtrig rior entas ed is ll in  bee rne oneveralls tevet t frs a ha rety ery ord t prht  co eve he ang ts hisingbe yon shce reefreryon thermennatshapronaly ahases for hihalf tn an ont  pes o fod inceer onsrese sectityly l bry e eerse ian e o dectidomedoeedhtsteronare  no wh a  und f asny l ae pere en na winitnted aanyted dins stath perithe tst e cy tom soc arch t od ontis eequve ociman fuoteothess al acwitial mauni serea so onlitintr ty oencthiualt a eqtatquaive stalie wl oaref hconte led isundciae fle  lay iumaby  byhumf aic  huavege r a woo ams com meeass dtec lin een rattitplewheateo ts rt frot chciedisagearyo oancelino  fa susonincat ndahouwort inderomoms otg temetleitignis witlducd wwhiacthicaw law heichminimiorto sse e bntrtraeduountane dnstl pd nld ntas iblen p pun s atilyrththofulssidero ecatucauntien edo ph aeraindpensecn wommr s",
        "abcdefghijklmnopqrstuvwxyz",
    ),
    (
        "ru",
        true,
        " пр и равств напраго ениовево  каанить  в  по обия сво свловна  чеелоо н соостчелие огоет нияеставоый ажд имниевек нельнли оваимеатьприт пи пкажилиобо раых жды додыйвобек бодва й чегося и сии ациеетно мееи иленой тваныхто  илк иенн быию  зами твои но пвано сстоаль всом о вьноих ноги вновакопроий стии опололждолое брая в оснымженразти нося и воторвсе егей телне и рредельтвеоди кообщо и деимаа ичеснимснокак лищесвлеьсянныасттьснноосуе д отпрешена сбщеосноднбытсовытьлжнранниюичеак ым ватчтостучене в стресоль ниномродля нарвенду ожены е и товера озовм инацденринтупеждстр чтя понадосх ий итояеспличбесобротоо бьныь вниие мую  моем  меаро реавакотав  выам жностаая поди кное к  та гогоссудеобя нен и дможескелиавнве ечеущепечдноо дходка  длдляовоательсю ив кненциинойудавов беоронстамициаконсеме овно этазох пни ждем пкогот дствныстьые о опоссретраейстаки бдовму я кналдру дркойтерь парсизнсоцедиолн",
        "абвгдежзийклмнопрстуфхцчшщъыьэюяё",
    ),
    (
        "de",
        false,
        "en er der unnd undeinungcht deichschng  geie cheech didierecgenineeit rech  dan dverhen zut d auht  halicit tenrei bein  ve in eindeaufdenedezu n suf frene teres  jejedn u anseiand frrunat  see udasheis rhtehatnscnger has ens alerellet a wen grdenteesemen ododenerg dallt uerste nen sod dn abenlei gr vowere aegeion stigele cha mehafaftn jren ererkentbei sieihihekeierdtign ion lunr dlengemiesgrutliuntchuerngesende sft st isttioati glstagunmitsenn n nan zite wir geice eei lier sn wglemeide uchem chlnatrcht wdesn ehrealesprd fachsser e scurcr mniee ffene ge d nidurdarint dugehiedt s mialtherhabf gsicstetaaaathe angruchlitz emeabeh an vnungegarfrf ehepru iserfe mansndle btunn od gn rr vwieberr aarbbest ih dr wr b ihd sigkgkenspdigemaellerun finsrbeffeescigugerstrkene vgewhanindrt  arießn hrn manr ihututzd als ebevonlter orlietztraausdethule ionenneiscsonselet ohnt gsam farstrklseriemg vt zerr",
        "abcdefghijklmnopqrstuvwxyzßäöü",
    ),
    (
        "pl",
        false,
        " prnie i ie pra poanirawia niawiego  doch egoiekowi niścici a pdo awo czoścych maek rze naprz w wo ej  zanośczłzłoeniwa  jełowi pwololn lurod ka wolnowszy cma ny każażdo dstwowady żdy wyrzystaecz swdzii we pczntwana zysów szyub luba westkiek mwan spają wse wpowposnycracspoać a iczeszenegystjak jao ppodacjne ństaromi  z i inar kooboawa roi njączecznezandow róiejzy zenniconyaw i zczyno nejo srówodncy ównodzo wo zjegedno oakimieienkol inziebezamieńsowodno ob or sta sni orzo uym stętępłecjedi k osw clwiez olwołepołcjiy wo nwia bektóa jznazynowewobka wycowyji  odalninnjesiczh pi ssięa oją ostkrast szaswowarczarozy sraznikaraoraludi oa zzes krranowsechw pdówą ppopa ntkistkganzonraje oieci l siże eka kt deem tórię wnilniejsiniododniełnkowpeła drondekpieudzbodnanh idstiegtawz pz wzeńgodiu anolar toy za kaleklatrzzawiche iierikodzychnw zby kówadzeklywaju ochkorsoboczosou pdu tyctanędz mie s taki ",
        "abcdefghijklmnopqrstuvwxyzóąćęłńśźż",
    ),
    (
        "no",
        false,
        "er  ogog en  defortilingett tiet  ha fo reretil hetllevertt ar nne enom ellng har meennterde lig fr sor hlerav le denand i  ersom å hveor t tne  elelsre  avse eskenhngeskandee oetegenke lseghetenmen str sfriighig  bee enhvr rtteskete  på ut skal  insjopå dere snerrinjont ounne fhanasjtiged es g fsamentttienenesmedge  alr oensr eeliisklin vening o sa ant fittlikendkalr ft srihihenasntee rns  silang smmeigel åerkdig grn srenr aall nakteerderee mundr urestelstegruinnlærers undett earbaledelektvent ig ebeieide an me d arrbee g blansklæ li heg tæriskyrunrkl lastasnikkem ert mot moe ntatat e he bovee tjent dstr mår mn eorsrelker etn abesone vinn g re ikapsk ot ndinnli s das o noid gerg hvisn obars fndlt mg aoppt adisnalr dperdreonaærerdida utenseblioretetrit opkraeriholold kryttkytffeemmg dl f omisn gjå dserr b di fan tr klt set sldomrvime l egreå små  trnd m sg iikkn h attesvildlig bd d hvrav",
        "abcdefghijklmnopqrstuvwxyzåæø",
    ),
    (
        "da",
        false,
        "er og  ogder deforen et til fo tiingde nderet rehedil lig halleden ened verelsundar  fr mese lseandhargenedege ellng at  afnnele ngee fghee oighes af enn atler i skehvee er hne enht tigeesk el beig tigfrior skanine sion ernhvre menr oe a stati sk inl atio påettensal ttimedr fom endr edelg fke  sopå elig o anr rns  alnathan ver sr a un het flin sir dtererenesdete r udalesamihelantterinrihentndle miskerkanst skal nasomholldeinde nrenn snerkelolddigte orse i hvsniskyenevær li sas fd dersstentemmeovee hnalonager grageg avilalle dfretels og ht ot dr ie t omarbd eernr u væd oresg tklæøren f vi måvensk  lagtekabstrn mrele brunrbebejt iejdkket eg drklilkgruvedbes dand  fulærærirdiærdld t mdlifunsig mostanstrt od  ar opvisigtæretett aemmg emodrhoie g ukerrem non h farskorme us sem d h geetse gg sper etlem tri sda dren adesdt kytrdeytterihenervl erviffeoffisnr t ofkenl hrkeg italmå r klkegt t vt b",
        "abcdefghijklmnopqrstuvwxyzåæø",
    ),
    (
        "sv",
        false,
        " ocochch er ingförtt ar en ättnde förätillet and rä en ti detilhetll de om varliggen frellskaninng ter haas  inka attlledersam i undllaghefriallensetena ler atör den elav  av soighr hnvaga r renvla tignskigahart asomtti utiont ta sngens a fr smäna o sk sirnaiskan  stär ra  vi alt f saa rati är me ben s antionnalanernt emed vaig äns åtstata nat unkliten grvisäll laonehanändt sstät ineransgru gever må lilikiheersrihr a remå snin ft o mä nar eri ad entkladet värunrklda h ruppdrarinigtdign eerkkapttaed d frane stanutanomlargt s f på omktelinr uvidg oännervikaaria ilagrviid r os svilr mörkot ndlstrelsro a mmot moi opå r don delisnskye mras här fi sa nnadn ogantnieraärda dtälberngar iennnd n a upsindd örsje ittkaln mamtn ikillseskinasends e såinntatpert varje fl arelt binttetg aöral vkydyddrje fabetse t llitsa närhäll sndrnisyckh allmlkeh farblmändabarcklv srängartrare eger garaessd evärmt ap ",
        "abcdefghijklmnopqrstuvwxyzäåö",
    ),
    (
        "fi",
        false,
        "en iseja ist jaon ta staan n jaissenn okeuikeoiklis vaellllan tuks onksi oin k kaaaneenla llikaia j tasa in mis joa oäänän seln sksea ta ktaius ttaansssakundentä eusnenkannsaapaallest seeisillienseetaa yhjokn yvapa vttäokan vai ittaa aiketttukti ust kuisistäses tä tulain pstiastn en mtääsiaunnä judeä ostesi teiinepera sia kä äne mimaa pea pessa mainämätamyht jujulykshänä t häuttideet llävalsekstun alä amihmi keikklleiinsä euktämihmtee ihltapau saiskmääoisun tavtendishten hissssäa hava maa y ei te si olekästyalttoiattolltet jä ravat muiel tomaisalisua akkiat suun lvälää ulituntieeru yketuvaarusmuk heei a ekieskueidiit sunnasilomamin yllinautuutsko kottile siekaaa r risiinnoelitursaaaatleiolina  laoonurvlmarvaitemievasä m edtusiaaitää vuolyle allitsuoamajoiuntutei otykn raliliineepaaaviomioitjenkäävoiyhdä k kieeteks syityilöilmoimolesititauomvaiuskalahenope puaukpetojai sriiuudhdiäliva  om",
        "abcdefghijklmnopqrstuvwxyzäöšž",
    ),
    (
        "lt",
        false,
        "as ir  ireistei tes tos uriti us is iek paai  vivietur kiri žmo tu žmienės ių aliaismogvis kalai lainii ts is žsę  į isęena ne pr bū joprikie takvinas suekvmasgusbūttinisvs soguisimą mo ant ars kamakaiūtis as vaci tis n sas pokicijinėar valms taijo i b nagalsavkurausmenrin apimąma staę įinai pimonimi k nuimaotimis kujoslygdariškje  attaskadr ttų ad tiki inėsarbi vijoeikauts b įs reiamsinsuo beisu vali styasitiearalinisėi są ijų  ly gavo si r ptuoaikrie modinpasmokip i nreiybėmosaipr lntuįstį tgyv išntitybų ipagkiakites uot skjimtis oraudyvevenmų alsų tnacavodamą ki as jojeagrklagaunegniųo kegaikiaugek tatieštaria  šiiosškasva totauintsauuti asio ogasanmonomikinitos gomer j veatykimnt iailst dają minr ko tnuotu verkalam usio no aymotymvę ati jio ptimų npažters š vyaltkslingų somašalrane t ni šaavaavinieuomirtelgjamipakiųtokekatosojakioenynams dndiamoytigrisvę gylieėmiatsygisocsieocipatcia",
        "abcdefghijklmnopqrstuvwxyząčėęįšūųž",
    ),
    (
        "lv",
        false,
        "as ība unun tieiesbasai  tiesīsībien vibu vieir  irībuiem va paem  nes uam m išanu ur tpie ci saās  uzvai ka pibrī izrīv bruz cijdzīena arar isks pes  atāci apot namviņināikvkvi nos v ievis iki ipāru aju nu  predrvībīvīijudrīu pdar stlvēcililvs t laiņaanas in iīdzs skā tībi aijabaiībāieds narbvallīds baiztu ieccieām gu vēkīguīgika jasumumu t p jāu vzībskalstalskumgi s l tājotstāst n vvēra parīautn pamakasu k da tanīgizsojoanuņa u nstas aba  ai sos da uā astīcībm ui usonnotmatsavievā vjum kāu tnedajās ku ii vlītēro pe dzi nperu dīkskatnātlībnācrdznībpilrīkksta scitpam pāekltauu sbiejā  rei pkura at v lievitisevēbā ma rība vos rasabinevikuskā velik līnast kantumaroškādzsasarciāmieaiseciocioša jejebbūtatrn biešrsoerssocenāa tt sīša bebezādaebk kuglīisptotspārojliepreretaulna traietdu zglāt ardkt ierizgiktpašiālnodts ejaā usabenoēt ta tiktītecī deīgatararpr jīsttāsja enīatvvu ārērējrieošidro",
        "abcdefghijklmnopqrstuvwxyzāčēģīķļņōŗšūž",
    ),
    (
        "et",
        false,
        "selja  jale se uststeuseiseõigmis vaguselete iguus st dus õi võ onon e j inininimma el a vigaistimeal võida  telik igadumesamiende ke vl o kaest ra seõi iku kovababatusud a kese kul igaltsilt es emaidaks a in õlisaturahtamaststae ts s mita olestubadga valine tane  pendaella taliavaadaa pik kuse siootesaheinglus ola ais vaha sei  eikonvastudahvt kas a rs te ei veksoont vonikõis ksiosuse agi matmin pis vomakuldad nie p omigitela je ondudselleeestseutavusaalajai tdamatsni etepidpeae õitslmalevnisdisühislii snenieldesde t iet ninevategusleltilii mng  eetemsesilmsekab  põait neõrdsedvõrul  üh kiabi kõegards väots et ripõhed töösi ad i k täata ab sueli sas os jsilnniariasunna alnudumasikhvuonneabemiridarasete m kea etäid ks pi eimieise rna  üla ükoha oakss ee n soõiksaaandisindetumhelliikinäärseaiskeeneaddum käriiratlemumikorsa idumusrithar sivaditaalekaiteo mõadeüksmaslsealsiaasiasotjaliigite",
        "abcdefghijklmnopqrstuvwxyzäõöü",
    ),
    (
        "uk",
        true,
        "на  пр і прарав наня ння заого поти го люд люво  ко мальнюдиих о н неавоанндин свсвоожнкоженнповжна доатиинаає а л буаціне уваобо ос якмає винихальабоє п тані ть овибо  ві абереі па мвинбезприільного пми та ом ою бодставоб бедо ва ті  обо вост в  щоий ся і с спиннвідстви пванновнанкон у ватонаії но дноій езппер деутиьноистпідстібут мои ііднаконніід тисщо роді ва зава пему і на псобої а вспрів нийякоду вноі дну арои с інля ріву в ріи днарненоваомуленнацнимисячи ав і рном роносві вниовн їїовіможвілу п пі суїї одн всовоютьістстьі з стбуд раченпророзівнодуа оьнини о сснознарацим о димия іціїх пдерчин соа сержи зи ве пди забосоу се бсі терніхя ні бкласпів і ніо зржастуїх а нннатакя пзпе одабедляту і мпеч длже ки вітнісгалагае мамизахримї отанкогресудь рето ковторарасвітваа божесоцоціціаоснробдь‐ь‐я‐які ізагахихиспілційх вливосвіалручь піншв яги аги дікоминиа іодиналтвокоївсія вноюоб о уо оі о",
        "абвгдежзийклмнопрстуфхцчшщьюяєіїґ",
    ),
    (
        "be",
        true,
        " і  прпраава нана  паравны ць або абва ацыавеае  чанняаннльн ма свсваалане чаллавня ай ых  якга веке п ада н непрыага коа п закожожны чбодднажнывабццаца  ў а аек маеі пнненыхасца спавбо ам ста са вываньна даарадзеоднго нагвінацьоўнцыямі то  раі атва асствленавіад і сенні нальнайаворацароці сціпадама бы ягягок міх рымым эннштоі ірод танан дзні я агэтнасана гэінна быцьда ыі оў чын шта ўцыіякідзяа іагуя пнымнац у  ўсыя ьныольнарўнах пі дў і граміыміах  усадз ніэталя воўымарады пзначэнненаба каўлеінабыцход іно п стераульаў аснсамрамры  суналду ь счы клааныжнаі рпері зь умаюакоыццякодляую граукае інаеадсі ўкацўныа з дляўла раючючыоду пе роы івы і масае мадух нодааднннікі  шлалеразадах іавянавалірабы ўннамадроўканзе дстжыцанінстзярржазакдзілюбаюцбарім еныбестанм пдуке агуля ў дэве жаваццахозаба вавыгано нвагя ічная ясацтакод яржсобм нсе чацнічыяляльццяь по сволдэк бену ога рэрасбуда тасосноейн",
        "абвгдежзйклмнопрстуфхцчшыьэюяёіў",
    ),
    (
        "fr",
        false,
        " dees de ionnt et tio etent lala e don ne oite lle  les de pt datiroi drdroit  à  coté ns te e smenre  tocon l’touque qules sodesson peons uns ls e prue  pae ct lts onn aue aemee e liontantoututet àresers sace  a trepera dctier libité enux  reen rsoà l ou inlleun natou nnen dune d’ separnteus ur s sansdana pr lproitsés t piree ts psa  déondé da lnceertauxommnalme  na foiqu certéectalebert as a dammeibesane r pocomal s cquiourt e nee nousr daliter difone oau  chairui ell eslits nissératessocautociêtrienintdu estététrapou plratar ranrais oonaainclaégaancrs eurprin ce ms tà u dourebreut  êtage étnsisureinsenserndiensessntrir  macian pst a c dul e sublige rés rée qassndapeuée l’a tea statil tésaisu dineindé equ’ acs in tt cn al’ht qsoit scunrit égoir’enntahom onn e moie ignrelnnat il n trillples él’ereca rotesseuniidéives ut êinsact fan s vigal asligssapréleue flicdisver nutenssirottecs mabl",
        "abcdefghijklmnopqrstuvwxyzàâçèéêëîïôùûüÿœ",
    ),
    (
        "nl",
        false,
        "en de an  devan va en heingchtderng n dn vet een geechn everrecnde ee re beedeer e vgendenhetten te in opn i velij ziereelizijijkte oorht ensn oandt oijniedke  oneidop  vojn id ondin sch vraarn zaan ierderijmenrenordheihte weeftn gft n wor n heefvriwor meheeal t rof le  ofatig ve beni aalle won ae ond r hvoo alegen terk da nat hstajkeat natngee eend stom e gtien bstediee rerwwele sr d omij digt eigeterie gelre jhet d zae mersijhnigzalnied vns d ee we nestelebes dog echevolge ezee dig gindathapchaeke dionae alkenstard grtelmin towaalenelklinemejk n sdelstrhanevegroichvendoo wat vit overinaatn nwetuitijdze  zoion ovdezgemmettiobbeach nihedst alliesperhebebbe itoees taan mnteienel ninalebendaasti mameekinpene hwerontiettigg os e erigdeteanglannscemamant gis begherescbijd orontinnaleerp vediermitet wt a hurwiwijijsr ewegjs rminaat bapprwe bit zkerameeriken anar  latregerrditaneitgdeg id zoep",
        "abcdefghijklmnopqrstuvwxyzàèéëïĳ",
    ),
];
