import type { Methodology } from './methodology';

type Tx = { en: string; ru: string; ky: string };
const item = (
  id: string,
  weight: number,
  text: Tx,
  extra: { redFlag?: boolean; immediate?: boolean; opens?: string } = {},
) => ({
  id,
  text,
  weight,
  ...extra,
});

/**
 * `kg-hotline-risk 0.1`: a draft built from the grounds for detention in Kyrgyz law and the concepts of DASH,
 * the Danger Assessment, ODARA and B-SAFER (docs/domain.md §5). The wording is our own paraphrase. It is data:
 * the official methodology of Resolution 417 replaces it by upload, without a code change.
 */
export const KG_HOTLINE_RISK_0_1 = {
  id: 'kg-hotline-risk',
  version: '0.1',
  title: {
    en: 'Hotline risk assessment (draft 0.1)',
    ru: 'Оценка риска на горячей линии (проект 0.1)',
    ky: 'Ишеним телефонундагы коркунучту баалоо (долбоор 0.1)',
  },
  items: [
    item(
      'present_danger_now',
      0,
      {
        en: 'The abuser is there now and the caller is in danger',
        ru: 'Обидчик сейчас рядом, звонящий в опасности',
        ky: 'Зомбулук көрсөткөн адам азыр жанында, чалуучу коркунучта',
      },
      { immediate: true },
    ),
    item(
      'threat_to_life_now',
      0,
      {
        en: "There is a real threat to the caller's or a child's life or health right now",
        ru: 'Прямо сейчас есть реальная угроза жизни или здоровью звонящего или ребёнка',
        ky: 'Азыр чалуучунун же баланын өмүрүнө же ден соолугуна чыныгы коркунуч бар',
      },
      { immediate: true },
    ),
    item(
      'intoxicated_threatening_now',
      0,
      {
        en: 'The abuser is drunk or high and threatening the family now',
        ru: 'Обидчик сейчас пьян или под воздействием веществ и угрожает семье',
        ky: 'Зомбулук көрсөткөн адам азыр мас же баңги абалында жана үй-бүлөгө коркутуп жатат',
      },
      { immediate: true },
    ),
    item(
      'serious_injury_now',
      0,
      {
        en: 'Someone is seriously hurt right now',
        ru: 'Кто-то сейчас серьёзно травмирован',
        ky: 'Азыр кимдир бирөө катуу жаракат алган',
      },
      { immediate: true },
    ),
    item('injury_latest', 2, {
      en: 'Was hurt in the latest incident',
      ru: 'Получила травму при последнем инциденте',
      ky: 'Акыркы окуяда жаракат алган',
    }),
    item('very_frightened', 2, { en: 'Is very frightened', ru: 'Очень напугана', ky: 'Абдан корккон' }),
    item(
      'believes_could_kill',
      3,
      {
        en: 'Believes the abuser could kill her or someone else',
        ru: 'Считает, что обидчик может убить её или кого-то ещё',
        ky: 'Зомбулук көрсөткөн адам аны же башка бирөөнү өлтүрүшү мүмкүн деп эсептейт',
      },
      { redFlag: true },
    ),
    item('isolated', 1, {
      en: 'Is cut off from family and friends',
      ru: 'Изолирована от родных и друзей',
      ky: 'Тууган-туушкандан жана досторунан обочолонгон',
    }),
    item(
      'depressed_suicidal',
      1,
      {
        en: 'Feels depressed or has thought of suicide',
        ru: 'Подавлена или думала о самоубийстве',
        ky: 'Көңүлү чөккөн же өз жанын кыюуну ойлогон',
      },
      { opens: 'suicide' },
    ),
    item('separation_recent', 2, {
      en: 'Separated, or tried to, in the last 12 months',
      ru: 'Расставание (или попытка) за последние 12 месяцев',
      ky: 'Акыркы 12 айда ажырашкан же ажырашууга аракет кылган',
    }),
    item('child_conflict', 1, {
      en: 'There is conflict over the children',
      ru: 'Есть конфликт из-за детей',
      ky: 'Балдар боюнча чыр-чатак бар',
    }),
    item('stalking', 2, {
      en: 'Is followed, watched or called again and again',
      ru: 'Её преследуют, следят, постоянно звонят',
      ky: 'Аны аңдып, артынан жүрүп, тынымсыз чалышат',
    }),
    item('pregnant_or_baby', 1, {
      en: 'Is pregnant or has a baby under 18 months',
      ru: 'Беременна или есть ребёнок до 18 месяцев',
      ky: 'Кош бойлуу же 18 айга чейинки баласы бар',
    }),
    item('other_dependants', 1, {
      en: 'Has other people depending on her',
      ru: 'Есть другие иждивенцы',
      ky: 'Анын камкордугунда башка адамдар бар',
    }),
    item('children_harmed', 2, {
      en: 'The abuser has hurt or threatened the children',
      ru: 'Обидчик причинял вред детям или угрожал им',
      ky: 'Зомбулук көрсөткөн адам балдарга зыян келтирген же коркуткан',
    }),
    item('more_frequent', 1, {
      en: 'The abuse is happening more often',
      ru: 'Насилие стало чаще',
      ky: 'Зомбулук улам көбөйүп жатат',
    }),
    item('more_severe', 2, {
      en: 'The abuse is getting worse',
      ru: 'Насилие становится тяжелее',
      ky: 'Зомбулук улам катаалдашып жатат',
    }),
    item('control_jealousy', 1, {
      en: 'Controls her or is intensely jealous',
      ru: 'Контролирует её или сильно ревнует',
      ky: 'Аны көзөмөлдөйт же катуу кызганат',
    }),
    item(
      'weapon',
      3,
      {
        en: 'Has used or threatened a weapon',
        ru: 'Применял оружие или угрожал им',
        ky: 'Куралды колдонгон же курал менен коркуткан',
      },
      { redFlag: true },
    ),
    item(
      'firearm_access',
      3,
      {
        en: 'Can get hold of a firearm',
        ru: 'Имеет доступ к огнестрельному оружию',
        ky: 'Ок атуучу куралга жеткиликтүүлүгү бар',
      },
      { redFlag: true },
    ),
    item(
      'threats_to_kill',
      3,
      { en: 'Has threatened to kill', ru: 'Угрожал убить', ky: 'Өлтүрөм деп коркуткан' },
      { redFlag: true },
    ),
    item(
      'strangulation',
      3,
      { en: 'Has strangled or choked her', ru: 'Душил её', ky: 'Аны муунткан' },
      { redFlag: true },
    ),
    item('sexual_violence', 2, {
      en: 'Sexual violence',
      ru: 'Сексуальное насилие',
      ky: 'Сексуалдык зомбулук',
    }),
    item('family_threats_forced_marriage', 2, {
      en: 'Relatives or in-laws threaten too, or there is a risk of forced marriage or kidnapping',
      ru: 'Угрожают также родственники, или есть риск принудительного брака или похищения',
      ky: 'Туугандары же кайын журту да коркутат, же мажбурлап нике кыюу же ала качуу коркунучу бар',
    }),
    item('economic_control', 1, {
      en: 'Controls money, or took her documents',
      ru: 'Контролирует деньги или забрал документы',
      ky: 'Акчаны көзөмөлдөйт же документтерин алып койгон',
    }),
    item('violent_to_others', 1, {
      en: 'Is violent to other people or to animals',
      ru: 'Жесток к другим людям или к животным',
      ky: 'Башка адамдарга же жаныбарларга катаал',
    }),
    item('abuser_money_job', 1, {
      en: 'The abuser has money or job problems',
      ru: 'У обидчика проблемы с деньгами или работой',
      ky: 'Зомбулук көрсөткөн адамдын акча же жумуш маселеси бар',
    }),
    item('abuser_substance_mental', 1, {
      en: 'The abuser has alcohol, drug or mental-health problems',
      ru: 'У обидчика проблемы с алкоголем, наркотиками или психическим здоровьем',
      ky: 'Зомбулук көрсөткөн адамдын ичкиликке, баңгизатка же психикалык ден соолукка байланыштуу көйгөйү бар',
    }),
    item('abuser_suicidal', 2, {
      en: 'The abuser has threatened or tried suicide',
      ru: 'Обидчик угрожал покончить с собой или пытался',
      ky: 'Зомбулук көрсөткөн адам өз жанын кыям деп коркуткан же аракет кылган',
    }),
    item(
      'order_breach',
      2,
      {
        en: 'Has broken a protection order or court restriction',
        ru: 'Нарушал охранный ордер или ограничения суда',
        ky: 'Коргоо ордерин же соттун чектөөсүн бузган',
      },
      { redFlag: true },
    ),
    item('police_before', 1, {
      en: 'The police have been involved before',
      ru: 'Ранее уже обращались в милицию',
      ky: 'Мурда милицияга кайрылышкан',
    }),
  ],
  levels: [
    { id: 'low', minScore: 0, label: { en: 'Low', ru: 'Низкий', ky: 'Төмөн' } },
    { id: 'medium', minScore: 10, label: { en: 'Medium', ru: 'Средний', ky: 'Орточо' } },
    { id: 'high', minScore: 18, label: { en: 'High', ru: 'Высокий', ky: 'Жогору' } },
    { id: 'critical', label: { en: 'Critical', ru: 'Критический', ky: 'Өтө кооптуу' } },
  ],
  floors: [
    {
      when: {
        any: [
          'believes_could_kill',
          'weapon',
          'firearm_access',
          'threats_to_kill',
          'strangulation',
          'order_breach',
        ],
      },
      atLeast: 'high',
      label: { en: 'A red flag', ru: 'Красный флаг', ky: 'Кызыл белги' },
    },
    {
      when: {
        all: [
          'separation_recent',
          'control_jealousy',
          { any: ['injury_latest', 'sexual_violence', 'strangulation'] },
        ],
      },
      atLeast: 'high',
      label: {
        en: 'Separation, control and injury or sexual violence together',
        ru: 'Расставание, контроль и травма или сексуальное насилие вместе',
        ky: 'Ажырашуу, көзөмөл жана жаракат же сексуалдык зомбулук бирге',
      },
    },
  ],
  actions: {
    critical: [
      {
        id: 'keep_on_line',
        text: {
          en: 'Keep the caller on the line',
          ru: 'Не прерывайте разговор со звонящим',
          ky: 'Чалуучу менен байланышты үзбөңүз',
        },
      },
      {
        id: 'alert_supervisor',
        text: {
          en: 'Alert the supervisor at once',
          ru: 'Немедленно сообщите супервайзеру',
          ky: 'Супервайзерге дароо кабарлаңыз',
        },
      },
      {
        id: 'urgent_police',
        text: {
          en: 'Urgent referral to the police (102)',
          ru: 'Срочное направление в милицию (102)',
          ky: 'Милицияга шашылыш жолдомо (102)',
        },
        referTo: ['police'],
      },
      {
        id: 'ambulance_if_injured',
        text: {
          en: 'Ambulance (103) where someone is hurt',
          ru: 'Скорая помощь (103), если есть пострадавшие',
          ky: 'Жаракат алган болсо, тез жардам (103)',
        },
        referTo: ['health'],
      },
      {
        id: 'emergency_shelter',
        text: { en: 'Emergency shelter', ru: 'Экстренное убежище', ky: 'Шашылыш баш калкалоочу жай' },
        referTo: ['shelter'],
      },
      {
        id: 'short_safety_plan',
        text: { en: 'A short safety plan', ru: 'Краткий план безопасности', ky: 'Кыскача коопсуздук планы' },
      },
    ],
    high: [
      {
        id: 'police_protection_order',
        text: {
          en: 'Urgent referral to the police for a temporary protection order (30 days)',
          ru: 'Срочное направление в милицию для временного охранного ордера (30 дней)',
          ky: 'Убактылуу коргоо ордери үчүн милицияга шашылыш жолдомо (30 күн)',
        },
        referTo: ['police'],
      },
      {
        id: 'crisis_centre_or_shelter',
        text: {
          en: 'Referral to a crisis centre or shelter',
          ru: 'Направление в кризисный центр или убежище',
          ky: 'Кризистик борборго же баш калкалоочу жайга жолдомо',
        },
        referTo: ['crisis_centre', 'shelter'],
      },
      {
        id: 'single_window_sexual',
        text: {
          en: 'Single Window centre where there was sexual violence',
          ru: 'Центр «Единое окно» при сексуальном насилии',
          ky: 'Сексуалдык зомбулук болсо, «Бирдиктүү терезе» борбору',
        },
        referTo: ['single_window'],
      },
      {
        id: 'child_protection',
        text: {
          en: 'Child protection when children are involved',
          ru: 'Защита детей, если затронуты дети',
          ky: 'Балдар тартылган болсо, балдарды коргоо',
        },
        referTo: ['child_protection'],
      },
      {
        id: 'full_safety_plan',
        text: { en: 'A full safety plan', ru: 'Полный план безопасности', ky: 'Толук коопсуздук планы' },
      },
      {
        id: 'follow_up_24h',
        text: {
          en: 'Follow-up within 24 hours',
          ru: 'Повторный звонок в течение 24 часов',
          ky: '24 сааттын ичинде кайра байланышуу',
        },
        followUpHours: 24,
      },
    ],
    medium: [
      { id: 'safety_plan', text: { en: 'A safety plan', ru: 'План безопасности', ky: 'Коопсуздук планы' } },
      {
        id: 'crisis_centre',
        text: {
          en: 'Referral to a crisis centre for psychological and legal help',
          ru: 'Направление в кризисный центр за психологической и юридической помощью',
          ky: 'Психологиялык жана юридикалык жардам үчүн кризистик борборго жолдомо',
        },
        referTo: ['crisis_centre'],
      },
      {
        id: 'protection_order_info',
        text: {
          en: 'How to obtain a protection order',
          ru: 'Как получить охранный ордер',
          ky: 'Коргоо ордерин кантип алуу керек',
        },
      },
      {
        id: 'follow_up_72h',
        text: {
          en: 'Follow-up within 72 hours',
          ru: 'Повторный звонок в течение 72 часов',
          ky: '72 сааттын ичинде кайра байланышуу',
        },
        followUpHours: 72,
      },
    ],
    low: [
      {
        id: 'information_support',
        text: { en: 'Information and support', ru: 'Информация и поддержка', ky: 'Маалымат жана колдоо' },
      },
      {
        id: 'basic_safety_plan',
        text: { en: 'A basic safety plan', ru: 'Базовый план безопасности', ky: 'Негизги коопсуздук планы' },
      },
      {
        id: 'invite_call_again',
        text: {
          en: 'Invite her to call again',
          ru: 'Пригласить позвонить снова',
          ky: 'Кайра чалууга чакыруу',
        },
      },
    ],
  },
} satisfies Methodology;
